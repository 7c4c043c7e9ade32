import sys

import click

from cli.application import Application
from cli.cluster.arguments import name_argument
from cli.errors import CliError, ExitCode


@click.command("shell", short_help="Open a shell with kubectl on a cluster.")
@name_argument
@click.pass_obj
@click.pass_context
def shell(ctx: click.Context, app: Application, name: str) -> None:
    """Open a shell on the RUNNING cluster NAME, in a throwaway container next to it with
    kubectl already set up: nothing to install, no kubeconfig to fetch. Exits with the
    shell's exit code."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CliError(
            "`pyk8s cluster shell` needs a terminal on stdin and stdout; for scripts, use "
            "`pyk8s cluster run NAME -- COMMAND`.",
            ExitCode.USAGE,
        )
    cluster = app.api.cluster_named(name)
    if cluster["status"] != "RUNNING":
        raise CliError(
            f"{name} is {cluster['status']}: a terminal opens on a running cluster.",
            ExitCode.ERROR,
        )
    from cli.shell import shell_session

    ctx.exit(shell_session(app, cluster["id"]))
