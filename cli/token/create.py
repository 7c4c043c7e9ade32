import re
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from cli.application import Application

SCOPES = ("clusters:read", "clusters:write")


def expiry(value: str) -> datetime | None:
    """30d, 12h or never: when the token stops working (None: never)."""
    if value == "never":
        return None
    parts = re.fullmatch(r"([1-9][0-9]{0,4})([dh])", value.strip())
    if parts is None:
        raise click.BadParameter(f"{value!r}: write it like 30d, 12h or never.")
    amount, unit = int(parts[1]), parts[2]
    return datetime.now(UTC) + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))


@click.command(short_help="Create an API token and print its secret, once.")
@click.argument("name")
@click.option(
    "--scope",
    type=click.Choice(SCOPES),
    required=True,
    help="clusters:read lists and watches; clusters:write also creates, extends and deletes "
    "clusters, reads kubeconfigs and opens terminals.",
)
@click.option(
    "--expires-in",
    metavar="30d|12h|never",
    help="When it stops working. Default: the longest the server allows.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "yaml"]),
    default="text",
    show_default=True,
    help="text prints the secret alone on stdout; json and yaml the API's token object, "
    "secret included.",
)
@click.pass_obj
def create(app: Application, name: str, scope: str, expires_in: str | None, output: str) -> None:
    """Create the API token NAME (for example the pipeline that will use it).

    The secret is printed once and never again: store it in your CI's secret store, and set
    it as PYK8S_TOKEN (with PYK8S_API_URL) where the CLI runs.
    """
    body: dict[str, Any] = {"name": name, "scope": scope}
    if expires_in is not None:
        expires_at = expiry(expires_in)
        body["expires_at"] = expires_at.isoformat() if expires_at else None
    created = app.api.request("POST", "/tokens/", json=body).json()
    if output == "json":
        app.display_json(created)
        return
    if output == "yaml":
        app.display_yaml(created)
        return
    until = f"expires {created['expires_at']}" if created["expires_at"] else "never expires"
    app.display_info(f"Token {name!r} created: {scope}, {until}. Its secret, shown this once:")
    app.display(created["token"])
    app.display_info("Use it as PYK8S_TOKEN; revoke it with `pyk8s token revoke NAME`.")
