import click

from cli.application import Application
from cli.cluster.format import humanize, now, parse_time

COLUMNS = ("name", "scope", "prefix", "age", "expires", "last used", "from")


@click.command("list", short_help="List your API tokens.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["table", "json", "yaml", "name"]),
    default="table",
    show_default=True,
    help="json and yaml print the API's token objects (never a secret); name prints names.",
)
@click.pass_obj
def list_tokens(app: Application, output: str) -> None:
    """List your API tokens, newest first: never their secrets, which are not kept."""
    tokens = app.api.request("GET", "/tokens/").json()
    if app.display_for_scripts(output, tokens, names=[t["name"] for t in tokens]):
        return
    if not tokens:
        app.display_info("No tokens. Create one with `pyk8s token create NAME --scope ...`.")
        return
    moment = now()

    def when(value: str | None, *, never: str) -> str:
        if value is None:
            return never
        delta = parse_time(value) - moment
        return f"in {humanize(delta)}" if delta.total_seconds() > 0 else f"{humanize(-delta)} ago"

    rows = [
        [
            token["name"],
            token["scope"],
            token["prefix"],
            humanize(moment - parse_time(token["created_at"])),
            "expired" if token["expired"] else when(token["expires_at"], never="never"),
            when(token["last_used_at"], never="never"),
            token["last_used_ip"] or "-",
        ]
        for token in tokens
    ]
    app.display_table(COLUMNS, rows)
