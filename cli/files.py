"""Writing files that hold credentials (the config file, kubeconfigs)."""

import os
import tempfile
from pathlib import Path

from cli.errors import CliError


def write_private_file(path: Path, text: str) -> None:
    """Replace `path` atomically with a file only its owner can read (mode 0600).

    The temporary file is created 0600 from the start, so the secret is never readable by
    others, not even for a moment, and a crash never leaves a half-written file behind.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CliError(f"Cannot write {path}: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CliError(f"Cannot write {path}: {exc.strerror}.") from exc
