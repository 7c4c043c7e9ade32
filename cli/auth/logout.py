import click

from cli.application import Application
from cli.errors import CliError, ExitCode


@click.command(short_help="Log out and forget the session.")
@click.option(
    "--all",
    "everywhere",
    is_flag=True,
    help="End every session of the account: other machines, the dashboard and open watches.",
)
@click.pass_obj
def logout(app: Application, everywhere: bool) -> None:
    """Revoke the saved session on the server and remove it from the config file.

    With --all, every session of the account ends, wherever it was opened.
    """
    if not app.config.refresh_token:
        app.display_info("You are not logged in.")
        return
    try:
        # The refresh token may rotate while the access token is renewed: send the newest.
        app.api.access_token()
        if everywhere:
            app.api.request("POST", "/auth/logout-all")
        else:
            app.api.request("POST", "/auth/logout", json={"refresh": app.config.refresh_token})
    except CliError as exc:
        if exc.exit_code != ExitCode.AUTH:
            _forget_tokens(app)
            app.abort(
                f"Logged out here, but the server could not revoke the session: {exc.message}",
                ExitCode(exc.exit_code),
            )
    # An AUTH failure means the session had already expired or been revoked: nothing to undo.
    _forget_tokens(app)
    if everywhere:
        app.display_success(f"Logged out of {app.config.api_url} everywhere: every session ended.")
    else:
        app.display_success(f"Logged out of {app.config.api_url}.")


def _forget_tokens(app: Application) -> None:
    app.config.access_token = app.config.refresh_token = None
    app.save_config()
