import click

from cli import kubeconfig
from cli.api import Cluster
from cli.application import Application
from cli.cluster.arguments import (
    label_selector_option,
    optional_name_argument,
    output_option,
    wait_timeout_option,
)
from cli.errors import CliError
from cli.watch import Deadline, wait_for_cluster


@click.command(short_help="Delete a cluster, or all those with some labels.")
@optional_name_argument
@label_selector_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--wait", is_flag=True, help="Return once it is DELETED.")
@wait_timeout_option
@output_option
@click.pass_obj
def delete(
    app: Application,
    name: str | None,
    labels: tuple[str, ...],
    yes: bool,
    wait: bool,
    timeout: int | None,
    output: str,
) -> None:
    """Delete cluster NAME and everything in it, or with -l every cluster carrying those
    labels (a CI job's cleanup: `pyk8s cluster delete -l ci-run=4711 --yes`), and remove
    their pyk8s-NAME contexts from your kubeconfig."""
    if (name is None) == (not labels):
        raise click.UsageError("Name one cluster, or select clusters with -l KEY=VALUE.")
    if timeout is not None and not wait:
        raise click.UsageError("--timeout goes with --wait.")
    clusters = [app.api.cluster_named(name)] if name else app.api.clusters(labels=labels)
    names = [cluster["name"] for cluster in clusters]
    if not clusters:
        app.display_info(f"No cluster carries {', '.join(labels)}: nothing to delete.")
        return
    if not yes:
        them = "it" if len(names) == 1 else "them"
        click.confirm(f"Delete {_listed(names)} and everything in {them}?", abort=True, err=True)
    deadline = Deadline(timeout)
    deleted = [_delete(app, cluster, wait=wait, deadline=deadline) for cluster in clusters]
    # With --wait, the final objects, once.
    printed = app.display_for_scripts(output, deleted if labels else deleted[0], names=names)
    failed = [cluster for cluster in deleted if wait and cluster["status"] != "DELETED"]
    if failed:
        reasons = "; ".join(
            f"{c['name']}: {c.get('status_reason') or 'no reason given'}" for c in failed
        )
        app.abort(f"Could not delete {_listed([c['name'] for c in failed])}: {reasons}")
    if not printed:
        are = "is" if len(names) == 1 else "are"
        done = "deleted" if wait else "being deleted"
        app.display_success(f"{_listed(names).capitalize()} {are} {done}.")


def _delete(app: Application, cluster: Cluster, *, wait: bool, deadline: Deadline) -> Cluster:
    deleting: Cluster = app.api.request("DELETE", f"/clusters/{cluster['id']}/").json()
    _remove_context(app, cluster["name"])
    if not wait:
        return deleting
    # One deadline for them all.
    return wait_for_cluster(app, deleting, until=("DELETED", "ERROR"), deadline=deadline)


def _listed(names: list[str]) -> str:
    if len(names) == 1:
        return f"cluster {names[0]}"
    return f"{len(names)} clusters ({', '.join(names)})"


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
