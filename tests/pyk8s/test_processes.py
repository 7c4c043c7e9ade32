"""The Procfile is the one definition of the product's processes (pyk8s.processes)."""

import sys
from pathlib import Path

from pyk8s import processes

BIN = Path(sys.executable).parent


def test_a_command_takes_the_values_given_and_defaults_for_the_rest():
    assert processes.command("web", PORT="8123") == [
        str(BIN / "daphne"),
        "--access-log", "/dev/null",
        "-b", "0.0.0.0",  # noqa: S104 (the Procfile serves production)
        "-p", "8123",
        "pyk8s.asgi:application",
    ]  # fmt: skip


def test_its_programs_are_the_ones_installed_beside_this_python():
    for name in processes.read_procfile(processes.PROCFILE.read_text()):
        program = Path(processes.command(name)[0])
        assert program.parent == BIN
        assert program.exists(), program
