import click

from cli.application import Application


@click.command(short_help="Show who you are logged in as.")
@click.pass_obj
def whoami(app: Application) -> None:
    """Print the email of the account you are logged in as, and the server."""
    me = app.api.request("GET", "/users/me").json()
    app.display(f"{me['email']} on {app.api.base_url}")
    if not me.get("approved", True):
        app.display_warning("Your account awaits approval by staff: it cannot create clusters yet.")
