import click

from cli.application import Application
from cli.cluster.arguments import name_argument


@click.command(short_help="Show kind's output for a cluster.")
@name_argument
@click.pass_obj
def logs(app: Application, name: str) -> None:
    """Show what kind printed during the latest create or delete of the cluster called NAME
    (its last 200 lines): why a create failed, after the fact. `create --wait` shows the
    same lines live."""
    cluster = app.api.cluster_named(name)
    lines = app.api.request("GET", f"/clusters/{cluster['id']}/log/").json()["lines"]
    if not lines:
        app.display_info(f"kind has printed nothing for {name} yet.")
        return
    for line in lines:
        app.display(line)
