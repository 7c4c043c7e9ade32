"""`pyk8s`: short-lived Kubernetes clusters from a PyK8s-Lab server, from the terminal."""

import click

from cli.application import Application
from cli.auth import auth
from cli.cluster import cluster
from cli.completion import completion
from cli.token import token


def _show_version(ctx: click.Context, _option: click.Parameter, wanted: bool) -> None:
    """--version, of whichever package installed the CLI: alone (./cli) or with the server."""
    if not wanted:
        return
    from importlib.metadata import PackageNotFoundError, version

    for distribution in ("pyk8s-cli", "pyk8s-lab"):
        try:
            click.echo(f"pyk8s {version(distribution)}")
            break
        except PackageNotFoundError:
            continue
    else:
        click.echo("pyk8s (not installed: version unknown)")
    ctx.exit()


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Exit codes:
  0  success
  1  error (the message says which)
  2  invalid usage or input
  3  not logged in, or the login expired
  4  no such cluster (or token)
  5  the server cannot be reached
\b
Environment:
  PYK8S_API_URL        server address, overriding the config file
  PYK8S_TOKEN          an API token (pk8s_..., from `pyk8s token create`) to use
                       instead of the saved login: for scripts and CI
  PYK8S_INSECURE_HTTP  1 for the same as --insecure-http""",
)
@click.option(
    "--version",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_show_version,
    help="Show the version and exit.",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    envvar="PYK8S_INSECURE_HTTP",
    help="Allow a plain http:// API URL to another machine (tokens cross the network unencrypted).",
)
@click.pass_context
def pyk8s(ctx: click.Context, insecure_http: bool) -> None:
    """Create, use and delete short-lived Kubernetes clusters on a PyK8s-Lab server.

    Start with `pyk8s auth login`, then `pyk8s cluster create --name dev --wait`.
    """
    app = Application()
    app.insecure_http = insecure_http
    ctx.obj = app
    ctx.call_on_close(app.close)


pyk8s.add_command(auth)
pyk8s.add_command(cluster)
pyk8s.add_command(token)
pyk8s.add_command(completion)
