"""Arguments and options shared by the cluster commands."""

from collections.abc import Callable
from typing import Any, TypeVar

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
