import click

from cli.application import Application
from cli.cluster.arguments import name_argument, output_option
from cli.cluster.format import cluster_details, now


@click.command(short_help="Show one cluster.")
@name_argument
@output_option
@click.pass_obj
def get(app: Application, name: str, output: str) -> None:
    """Show the cluster called NAME."""
    cluster = app.api.cluster_named(name)
    if app.display_for_scripts(output, cluster, names=[name]):
        return
    app.display_pairs(cluster_details(cluster, now()))
