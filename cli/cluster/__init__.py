import click

from cli.cluster.create import create
from cli.cluster.delete import delete
from cli.cluster.extend import extend
from cli.cluster.get import get
from cli.cluster.get_kubeconfig import get_kubeconfig
from cli.cluster.list import list_clusters
from cli.cluster.logs import logs
from cli.cluster.run import run
from cli.cluster.shell import shell


@click.group(short_help="Create, list, use and delete clusters.")
def cluster() -> None:
    """Your clusters, addressed by the names you gave them."""


cluster.add_command(create)
cluster.add_command(list_clusters)
cluster.add_command(get)
cluster.add_command(get_kubeconfig)
cluster.add_command(logs)
cluster.add_command(run)
cluster.add_command(shell)
cluster.add_command(extend)
cluster.add_command(delete)
