import click

from cli.application import Application
from cli.errors import CliError, ExitCode


@click.command(short_help="Log out and forget the session.")
@click.pass_obj
def logout(app: Application) -> None:
    """Revoke the saved session on the server and remove it from the config file."""
    if not app.config.refresh_token:
        app.display_info("You are not logged in.")
        return
    try:
        # The refresh token may rotate while the access token is renewed: send the newest.
        app.api.access_token()
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
    app.display_success(f"Logged out of {app.config.api_url}.")


def _forget_tokens(app: Application) -> None:
    app.config.access_token = app.config.refresh_token = None
    app.save_config()
