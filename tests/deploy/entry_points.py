"""Checks that a deployment command line would start a real PyK8s-Lab process.

Each command is parsed by the program's own argument parser (daphne's argparse, Celery's click
commands, Django's management command parsers), and what it names is resolved for real: the
ASGI application, the Celery app, the beat scheduler class. Nothing is started.
"""

import argparse
import re
from collections.abc import Mapping
from contextlib import redirect_stderr
from io import StringIO

import click
from celery.app.utils import find_app
from celery.beat import Scheduler
from celery.bin.base import CLIContext
from celery.bin.celery import celery
from celery.utils.imports import symbol_by_name
from daphne.cli import CommandLineInterface
from daphne.utils import import_by_path
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError

# ${NAME:-default} (Procfile shells, compose) and $(NAME) (Kubernetes) references.
_SHELL_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")
_KUBERNETES_REFERENCE = re.compile(r"\$\((\w+)\)")


class BadCommand(AssertionError):
    pass


def expand(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """Substitute variables the way the platform would before the program sees them."""

    def kubernetes_value(match: re.Match[str]) -> str:
        if match[1] not in env:
            raise BadCommand(f"$({match[1]}) is not defined in the container's environment")
        return env[match[1]]

    return [
        _KUBERNETES_REFERENCE.sub(kubernetes_value, _SHELL_DEFAULT.sub(r"\2", arg)) for arg in argv
    ]


def check_command(argv: list[str]) -> None:
    """Raise BadCommand unless argv names a real entry point with options its parser accepts."""
    program, *args = argv
    if program == "daphne":
        _check_daphne(args)
    elif program == "celery":
        _check_celery(args)
    elif program == "python" and args[:1] == ["manage.py"]:
        _check_manage_py(args[1:])
    else:
        raise BadCommand(f"unknown program: {argv}")


def _check_daphne(args: list[str]) -> None:
    parser = CommandLineInterface().parser
    try:
        with redirect_stderr(StringIO()) as stderr:
            options = parser.parse_args(args)
    except SystemExit:
        raise BadCommand(f"daphne rejects {args}: {stderr.getvalue().strip()}") from None
    assert isinstance(options, argparse.Namespace)
    try:
        application = import_by_path(options.application)
    except (ImportError, AttributeError) as exc:
        raise BadCommand(f"daphne cannot load {options.application}: {exc}") from None
    if not callable(application):
        raise BadCommand(f"{options.application} is not an ASGI application")


def _check_celery(args: list[str]) -> None:
    split = next((i for i, arg in enumerate(args) if arg in celery.commands), None)
    if split is None:
        raise BadCommand(f"no celery subcommand in {args}")
    try:
        root = celery.make_context("celery", args[:split])
        app = find_app(root.params["app"])
        root.obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
        name = args[split]
        subcommand = celery.commands[name]
        parsed = subcommand.make_context(name, args[split + 1 :], parent=root)
    except click.ClickException as exc:
        raise BadCommand(f"celery rejects {args}: {exc.format_message()}") from None
    if app.main != "pyk8s":
        raise BadCommand(f"-A {root.params['app']} is not the pyk8s Celery app")
    scheduler = parsed.params.get("scheduler")
    if scheduler and not issubclass(symbol_by_name(scheduler), Scheduler):
        raise BadCommand(f"{scheduler} is not a Celery beat scheduler")


def _check_manage_py(args: list[str]) -> None:
    name, *options = args
    commands = get_commands()
    if name not in commands:
        raise BadCommand(f"manage.py has no command {name!r}")
    command = load_command_class(commands[name], name)
    try:
        command.create_parser("manage.py", name).parse_args(options)
    except CommandError as exc:
        raise BadCommand(f"manage.py {name} rejects {options}: {exc}") from None
