import sys

import click

from cli.application import TOKEN_ENV, Application
from cli.errors import ExitCode


@click.command(short_help="Log in and save the session.")
@click.option("--api-url", metavar="URL", help="Server address, e.g. https://pyk8s.example.com.")
@click.option("--email", help="Your account's email (asked for when left out).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin (for scripts; needs --email).",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Allow a plain http:// URL to another machine, and remember that for this server.",
)
@click.pass_obj
def login(
    app: Application,
    api_url: str | None,
    email: str | None,
    password_stdin: bool,
    insecure_http: bool,
) -> None:
    """Log in with your email and password. The session is saved in
    ~/.config/pyk8s-lab/config.yaml (mode 0600) and renewed automatically until it
    expires."""
    app.api_url_option = api_url
    app.insecure_http = app.insecure_http or insecure_http
    url = app.api_url
    if password_stdin:
        if not email:
            raise click.UsageError("--password-stdin needs --email: stdin carries the password.")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            app.abort("No password on stdin.", ExitCode.USAGE)
    else:
        email = email or click.prompt("Email", default=app.config.email, err=True)
        password = click.prompt("Password", hide_input=True, err=True)

    tokens = app.api.request(
        "POST", "/auth/token", json={"email": email, "password": password}, authenticated=False
    ).json()

    config = app.config
    config.api_url, config.email = url, email
    config.access_token, config.refresh_token = tokens["access"], tokens["refresh"]
    config.insecure_http_url = url if app.is_plain_http_to_another_machine(url) else None
    app.save_config()
    app.display_success(f"Logged in to {url} as {email}.")
    if app.env_token:
        app.display_warning(f"{TOKEN_ENV} is set and is used instead of this login.")
