import click

from cli.application import Application
from cli.cluster.arguments import label_selector_option, output_option
from cli.cluster.format import COLUMNS, cluster_row, labels_text, now


@click.command("list", short_help="List your clusters.")
@label_selector_option
@output_option
@click.pass_obj
def list_clusters(app: Application, labels: tuple[str, ...], output: str) -> None:
    """List your clusters, newest first (deleted ones are left out)."""
    clusters = app.api.clusters(labels=labels)
    if app.display_for_scripts(output, clusters, names=[c["name"] for c in clusters]):
        return
    if not clusters:
        app.display_info("No clusters. Create one with `pyk8s cluster create --name NAME`.")
        return
    moment = now()
    rows = [cluster_row(cluster, moment) for cluster in clusters]
    # A column only where there is any (an older server sends none).
    if any(cluster.get("labels") for cluster in clusters):
        labelled = [
            [*row, labels_text(cluster.get("labels") or {}) or "-"]
            for row, cluster in zip(rows, clusters, strict=True)
        ]
        app.display_table((*COLUMNS, "labels"), labelled, status_column=1)
        return
    app.display_table(COLUMNS, rows, status_column=1)
