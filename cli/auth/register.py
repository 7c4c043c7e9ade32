import sys
from urllib.parse import parse_qs, urlsplit

import click

from cli.application import Application
from cli.errors import ExitCode


@click.command(short_help="Create an account.")
@click.option("--api-url", metavar="URL", help="Server address, e.g. https://pyk8s.example.com.")
@click.option("--email", help="The account's email (asked for when left out).")
@click.option(
    "--invite",
    metavar="LINK",
    help="The invite link staff sent you (or its token), where registration is by invitation.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin (for scripts; needs --email).",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Allow a plain http:// URL to another machine.",
)
@click.pass_obj
def register(
    app: Application,
    api_url: str | None,
    email: str | None,
    invite: str | None,
    password_stdin: bool,
    insecure_http: bool,
) -> None:
    """Create an account on a PyK8s-Lab server, as its registration mode allows: open,
    by invitation (--invite), subject to approval by staff, or closed. Then log in with
    `pyk8s auth login`."""
    app.api_url_option = api_url
    app.insecure_http = app.insecure_http or insecure_http
    # The mode first, so nobody types a password only to learn registration is closed.
    mode = app.api.request("GET", "/auth/registration", authenticated=False).json()
    if mode["mode"] == "closed" or (mode["mode"] == "invite" and not invite):
        hint = " Pass the link with --invite." if mode["mode"] == "invite" else ""
        app.abort(mode["message"] + hint, ExitCode.AUTH)
    if password_stdin:
        if not email:
            raise click.UsageError("--password-stdin needs --email: stdin carries the password.")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            app.abort("No password on stdin.", ExitCode.USAGE)
    else:
        email = email or click.prompt("Email", err=True)
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)

    body = {"email": email, "password": password}
    if invite:
        body["invite"] = _invite_token(invite)
    account = app.api.request("POST", "/users/register", json=body, authenticated=False).json()

    app.display_success(f"Account {account['email']} created on {app.api_url}.")
    app.display_info(f"Log in with `pyk8s auth login --email {account['email']}`.")
    if not account["approved"]:
        app.display_warning(
            "Staff approve new accounts before they can create clusters: until then, "
            "`pyk8s cluster create` is refused."
        )


def _invite_token(invite: str) -> str:
    """The token of an invite link (…/register/#invite=TOKEN), or the token itself."""
    tokens = parse_qs(urlsplit(invite).fragment).get("invite")
    return tokens[0] if tokens else invite.strip()
