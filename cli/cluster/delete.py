import click

from cli import kubeconfig
from cli.application import Application
from cli.cluster.arguments import name_argument, output_option
from cli.errors import CliError
from cli.watch import wait_for_cluster


@click.command(short_help="Delete a cluster.")
@name_argument
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--wait", is_flag=True, help="Return once it is DELETED.")
@output_option
@click.pass_obj
def delete(app: Application, name: str, yes: bool, wait: bool, output: str) -> None:
    """Delete cluster NAME and everything in it, and remove its pyk8s-NAME context from
    your kubeconfig."""
    cluster = app.api.cluster_named(name)
    if not yes:
        click.confirm(f"Delete cluster {name} and everything in it?", abort=True, err=True)
    cluster = app.api.request("DELETE", f"/clusters/{cluster['id']}/").json()
    _remove_context(app, name)
    if wait:
        cluster = wait_for_cluster(app, cluster, until=("DELETED", "ERROR"))
    # With --wait, the final object, once.
    printed = app.display_for_scripts(output, cluster, names=[name])
    if wait and cluster["status"] != "DELETED":
        reason = cluster.get("status_reason") or "no reason given"
        app.abort(f"Cluster {name} could not be deleted: {reason}")
    if not printed:
        app.display_success(f"Cluster {name} is {'deleted' if wait else 'being deleted'}.")


def _remove_context(app: Application, name: str) -> None:
    context = kubeconfig.context_name(name)
    try:
        path = kubeconfig.remove(name)
    except CliError as exc:
        # The cluster is gone either way; a kubeconfig we cannot edit only needs a note.
        app.display_warning(f"Could not remove context {context}: {exc.message}")
        return
    if path is not None:
        app.display_info(f"Removed context {context} from {path}.")
