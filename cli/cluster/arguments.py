"""Arguments and options shared by the cluster commands."""

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.shell_completion import CompletionItem

from cli.errors import CliError

F = TypeVar("F", bound=Callable[..., Any])


def _from_the_server(read: Callable[[Any], list[str]], incomplete: str) -> list[CompletionItem]:
    from cli.application import Application

    # Completion runs without the root group's callback, so without ctx.obj.
    app = Application()
    try:
        offered = read(app.api)
    except CliError:
        return []  # offline or logged out: nothing to offer, and no error inside the shell
    finally:
        app.close()
    return [CompletionItem(value) for value in offered if value.startswith(incomplete)]


def _complete_cluster_name(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    return _from_the_server(lambda api: [cluster["name"] for cluster in api.clusters()], incomplete)


def complete_kubernetes_version(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The versions this server offers (GET /clusters/choices/), newest first."""
    return _from_the_server(
        lambda api: api.request("GET", "/clusters/choices/").json()["kubernetes_versions"],
        incomplete,
    )


def name_argument(command: F) -> F:
    return click.argument("name", shell_complete=_complete_cluster_name)(command)


def optional_name_argument(command: F) -> F:
    return click.argument("name", required=False, shell_complete=_complete_cluster_name)(command)


def label_selector_option(command: F) -> F:
    return click.option(
        "-l",
        "--label",
        "labels",
        multiple=True,
        metavar="KEY=VALUE",
        help="Only clusters carrying this label (repeatable: all of them).",
    )(command)


if TYPE_CHECKING:
    DurationBase = click.ParamType[int, Any]
else:  # generic in click's newer releases only (the CLI supports click 8.1 and later)
    DurationBase = click.ParamType


class Duration(DurationBase):
    """10m, 90s, 1h30m, or plain seconds: as seconds."""

    name = "duration"
    _PARTS = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.isdigit():
            return int(text)
        parts = self._PARTS.fullmatch(text)
        if not text or parts is None:
            self.fail(f"{value!r}: write it like 10m, 90s or 1h30m.", param, ctx)
            raise AssertionError  # fail() raises
        hours, minutes, seconds = (int(part or 0) for part in parts.groups())
        return hours * 3600 + minutes * 60 + seconds


def wait_timeout_option(command: F) -> F:
    return click.option(
        "--timeout",
        type=Duration(),
        metavar="DURATION",
        help="With --wait: give up after this long (10m, 90s, 1h30m), with exit code 6.",
    )(command)


def output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Choice(["table", "json", "yaml", "name"]),
        default="table",
        show_default=True,
        help="json and yaml print the API's cluster objects, stable for scripts; name prints "
        "names only, one a line.",
    )(command)
