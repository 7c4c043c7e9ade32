import click

from cli.token.create import create
from cli.token.list import list_tokens
from cli.token.revoke import revoke


@click.group(short_help="API tokens for scripts and CI.")
def token() -> None:
    """Long-lived, scoped API tokens: set one as PYK8S_TOKEN and a script or CI job needs no
    login. Managing them takes a login (`pyk8s auth login`), never a token."""


token.add_command(create)
token.add_command(list_tokens)
token.add_command(revoke)
