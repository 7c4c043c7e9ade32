import click

from cli.application import Application
from cli.cluster.arguments import output_option
from cli.cluster.format import COLUMNS, cluster_row, now


@click.command("list", short_help="List your clusters.")
@output_option
@click.pass_obj
def list_clusters(app: Application, output: str) -> None:
    """List your clusters, newest first (deleted ones are left out)."""
    clusters = app.api.clusters()
    if app.display_for_scripts(output, clusters, names=[c["name"] for c in clusters]):
        return
    if not clusters:
        app.display_info("No clusters. Create one with `pyk8s cluster create --name NAME`.")
        return
    moment = now()
    app.display_table(
        COLUMNS, [cluster_row(cluster, moment) for cluster in clusters], status_column=1
    )
