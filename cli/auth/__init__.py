import click

from cli.auth.login import login
from cli.auth.logout import logout
from cli.auth.whoami import whoami


@click.group(short_help="Log in and out.")
def auth() -> None:
    """Log in to a PyK8s-Lab server, log out, and see who you are logged in as."""


auth.add_command(login)
auth.add_command(logout)
auth.add_command(whoami)
