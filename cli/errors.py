"""Exit codes and the one exception for expected failures."""

from enum import IntEnum

import click


class ExitCode(IntEnum):
    """The documented exit codes (README, `pyk8s --help`): scripts branch on them."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    UNREACHABLE = 5
    TIMEOUT = 6
    # `cluster run` passes its command's own exit code through; a command that cannot be
    # found exits as a shell would report it.
    COMMAND_NOT_FOUND = 127
    INTERRUPTED = 130


class CliError(click.ClickException):
    """An expected failure: one line on stderr and an exit code, never a traceback."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        # Server messages may span lines; a failure must stay one line for logs and scripts.
        super().__init__(" ".join(message.split()))
        # click types exit_code as a class constant, yet reads it from the instance.
        self.exit_code = code  # type: ignore[misc]

    def show(self, file: object = None) -> None:
        click.secho(f"Error: {self.message}", fg="red", err=True)
