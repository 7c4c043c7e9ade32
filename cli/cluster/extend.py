import click

from cli.application import Application
from cli.cluster.arguments import name_argument, output_option
from cli.cluster.format import humanize, now, parse_time


@click.command(short_help="Give a cluster more time.")
@name_argument
@click.option(
    "--minutes", required=True, type=click.IntRange(min=1), help="Minutes to add to its TTL."
)
@output_option
@click.pass_obj
def extend(app: Application, name: str, minutes: int, output: str) -> None:
    """Push back the automatic deletion of cluster NAME by some minutes (up to the
    server's maximum lifetime)."""
    cluster = app.api.cluster_named(name)
    extended = app.api.request(
        "POST", f"/clusters/{cluster['id']}/extend/", json={"minutes": minutes}
    ).json()
    if app.display_for_scripts(output, app.api.cluster(cluster["id"]), names=[name]):
        return
    expires = parse_time(extended["ttl_expires_at"])
    app.display_success(
        f"Cluster {name} now expires at {expires.astimezone():%H:%M %Z} "
        f"(in {humanize(expires - now())})."
    )
