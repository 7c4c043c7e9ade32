"""The product's processes, defined once, in the Procfile: `make run` (pyk8s.run) and the tests'
real stack (tests/stack.py) start its command lines, and tests/deploy checks that the Helm
chart runs the same ones."""

import re
import shlex
import sys
from pathlib import Path

PROCFILE = Path(__file__).resolve().parent.parent / "Procfile"
# ${NAME:-default}, as the shell of a Procfile platform expands it.
_SHELL_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def read_procfile(text: str) -> dict[str, list[str]]:
    processes = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = shlex.split(command)
    return processes


def command(name: str, **values: str) -> list[str]:
    """The Procfile's command line for `name`: its ${NAME:-default} references take `values`
    (or their defaults), and its program is the one installed beside this Python, which need
    not be on PATH."""
    program, *args = (
        _SHELL_DEFAULT.sub(lambda match: values.get(match[1], match[2]), arg)
        for arg in read_procfile(PROCFILE.read_text())[name]
    )
    return [str(Path(sys.executable).parent / program), *args]
