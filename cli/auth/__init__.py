import click

from cli.auth.login import login
from cli.auth.logout import logout
from cli.auth.register import register
from cli.auth.whoami import whoami


@click.group(short_help="Register, log in and out.")
def auth() -> None:
    """Create an account on a PyK8s-Lab server, log in, log out, and see who you are logged
    in as."""


auth.add_command(register)
auth.add_command(login)
auth.add_command(logout)
auth.add_command(whoami)
