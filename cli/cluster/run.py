import os
import subprocess
import tempfile
from pathlib import Path

import click

from cli import kubeconfig
from cli.application import Application
from cli.cluster.arguments import name_argument
from cli.errors import CliError, ExitCode
from cli.files import write_private_file


@click.command(
    short_help="Run a command against a cluster.",
    context_settings={"ignore_unknown_options": True},
)
@name_argument
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_obj
def run(app: Application, name: str, command: tuple[str, ...]) -> None:
    """Run COMMAND with KUBECONFIG set to a private copy of the RUNNING cluster NAME's
    kubeconfig, removed afterwards; exit with COMMAND's exit code. Put `--` before COMMAND:

      pyk8s cluster run ci-123 -- kubectl get nodes"""
    cluster = app.api.cluster_named(name)
    text = app.api.request("GET", f"/clusters/{cluster['id']}/kubeconfig/").text
    kubeconfig.check_runs_no_command(text)
    # A directory of its own (0700), so nobody else can open the file while the command runs.
    with tempfile.TemporaryDirectory(prefix="pyk8s-run-") as directory:
        path = Path(directory) / "kubeconfig"
        write_private_file(path, text)
        try:
            process = subprocess.run(  # noqa: S603 (the user's own command, no shell)
                command, env={**os.environ, "KUBECONFIG": str(path)}, check=False
            )
        except FileNotFoundError:
            raise CliError(
                f"{command[0]}: command not found.", ExitCode.COMMAND_NOT_FOUND
            ) from None
        except KeyboardInterrupt:
            raise SystemExit(ExitCode.INTERRUPTED) from None
    # A command killed by a signal exits as a shell would report it: 128 + the signal.
    raise SystemExit(process.returncode if process.returncode >= 0 else 128 - process.returncode)
