import click

from cli.application import Application
from cli.errors import CliError, ExitCode


@click.command(short_help="Revoke API tokens: they stop working at once.")
@click.argument("name", required=False)
@click.option("--all", "everything", is_flag=True, help="Revoke all your tokens.")
@click.option("--yes", is_flag=True, help="With --all: do not ask first.")
@click.pass_obj
def revoke(app: Application, name: str | None, everything: bool, yes: bool) -> None:
    """Revoke the API token NAME, or --all of yours. Sockets opened with them close.

    A password change keeps your tokens: after one you suspect was leaked, run this with --all.
    """
    if everything == (name is not None):
        raise CliError("Give a token's NAME or --all (not both).", ExitCode.USAGE)
    if everything:
        if not yes and not click.confirm("Revoke all your API tokens?", err=True):
            raise CliError("Nothing revoked.", ExitCode.ERROR)
        revoked = app.api.request("POST", "/tokens/revoke-all").json()["revoked"]
        app.display_success(f"Revoked {revoked} token(s).")
        return
    tokens = app.api.request("GET", "/tokens/").json()
    token = next((t for t in tokens if t["name"] == name), None)
    if token is None:
        raise CliError(
            f"You have no token named {name!r}; `pyk8s token list` shows yours.",
            ExitCode.NOT_FOUND,
        )
    app.api.request("DELETE", f"/tokens/{token['id']}")
    app.display_success(f"Revoked token {name!r}.")
