import click

from cli.application import Application
from cli.cluster.arguments import (
    complete_kubernetes_version,
    output_option,
    wait_timeout_option,
)
from cli.errors import CliError, ExitCode
from cli.watch import Deadline, wait_for_cluster

# A cluster being created can also end up deleted (by its owner, elsewhere) before running.
SETTLED_AFTER_CREATE = ("RUNNING", "ERROR", "DELETING", "DELETED")


@click.command(short_help="Create a cluster.")
@click.option("--name", required=True, help="Your name for it: lowercase letters, digits, '-'.")
@click.option(
    "--ttl",
    "ttl_minutes",
    type=click.IntRange(min=1),
    metavar="MINUTES",
    help="Minutes until it is deleted automatically (default: the server's; 60 unless its "
    "operators changed it).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 3),
    metavar="N",
    help="Worker nodes besides the control plane, 0 to 3 (default: 0).",
)
@click.option(
    "--k8s-version",
    "kubernetes_version",
    metavar="VERSION",
    shell_complete=complete_kubernetes_version,
    help="Kubernetes version, e.g. 1.33.1 (default: the server's newest); completes to those "
    "the server offers.",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="KEY=VALUE",
    help="A label to find it by, e.g. ci-run=4711 (repeatable); see `list -l` and `delete -l`.",
)
@click.option("--wait", is_flag=True, help="Show progress and return once it is RUNNING.")
@wait_timeout_option
@click.option(
    "--if-not-exists",
    is_flag=True,
    help="If you already have a cluster of that name, use it instead of failing (a retried "
    "pipeline step creates nothing twice).",
)
@output_option
@click.pass_obj
def create(
    app: Application,
    name: str,
    ttl_minutes: int | None,
    workers: int | None,
    kubernetes_version: str | None,
    labels: tuple[str, ...],
    wait: bool,
    timeout: int | None,
    if_not_exists: bool,
    output: str,
) -> None:
    """Create a cluster. It is provisioned in the background; with --wait, follow its
    progress and exit non-zero if it fails."""
    if timeout is not None and not wait:
        raise click.UsageError("--timeout goes with --wait.")
    cluster = _existing(app, name) if if_not_exists else None
    if cluster is None:
        options = {
            "ttl_minutes": ttl_minutes,
            "workers": workers,
            "kubernetes_version": kubernetes_version,
        }
        body = {
            "name": name,
            "labels": _parse_labels(labels),
            **{k: v for k, v in options.items() if v is not None},
        }
        cluster = app.api.request("POST", "/clusters/", json=body).json()
    if wait:
        cluster = wait_for_cluster(
            app, cluster, until=SETTLED_AFTER_CREATE, deadline=Deadline(timeout)
        )
    # With --wait, the final object, once.
    printed = app.display_for_scripts(output, cluster, names=[name])
    if wait and cluster["status"] != "RUNNING":
        reason = cluster.get("status_reason") or "no reason given"
        app.abort(f"Cluster {name} is {cluster['status']}: {reason}")
    if printed:
        return
    if not wait:
        app.display_success(
            f"Cluster {name} is being created; `pyk8s cluster get {name}` shows its status."
        )
        return
    app.display_success(
        f"Cluster {name} is RUNNING. Use it with `pyk8s cluster get-kubeconfig {name} --merge`."
    )


def _parse_labels(labels: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for label in labels:
        key, equals, value = label.partition("=")
        if not equals:
            raise click.BadParameter(f"{label!r}: write it as KEY=VALUE.", param_hint="--label")
        parsed[key] = value
    return parsed


def _existing(app: Application, name: str) -> dict[str, object] | None:
    try:
        return app.api.cluster_named(name)
    except CliError as exc:
        if exc.exit_code != ExitCode.NOT_FOUND:
            raise
        return None
