from pathlib import Path

import click

from cli import kubeconfig
from cli.application import Application
from cli.cluster.arguments import name_argument
from cli.files import write_private_file


@click.command("get-kubeconfig", short_help="Get a cluster's kubeconfig.")
@name_argument
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it to this file (mode 0600) instead of stdout.",
)
@click.option(
    "--merge",
    is_flag=True,
    help="Merge it into $KUBECONFIG (or ~/.kube/config) as context pyk8s-NAME and switch to it.",
)
@click.pass_obj
def get_kubeconfig(app: Application, name: str, path: Path | None, merge: bool) -> None:
    """Print the kubeconfig of the RUNNING cluster NAME, write it to a file, or merge it
    into your kubeconfig without touching your other contexts."""
    if path and merge:
        raise click.UsageError("Use either --file or --merge, not both.")
    cluster = app.api.cluster_named(name)
    text = app.api.request("GET", f"/clusters/{cluster['id']}/kubeconfig/").text
    # Printed ones too: they are usually redirected into a file kubectl reads.
    kubeconfig.check_runs_no_command(text)
    if merge:
        merged = kubeconfig.merge(name, text)
        switched = (
            f" (it was {merged.previous_context})"
            if merged.previous_context not in ("", merged.context)
            else ""
        )
        app.display_success(
            f"Merged into {merged.path} as context {merged.context}, now the current "
            f"context{switched}. Try `kubectl get nodes`."
        )
        return
    if path:
        write_private_file(path, text)
        app.display_success(f"Wrote {path}. Try `KUBECONFIG={path} kubectl get nodes`.")
        return
    app.display(text, newline=False)
