"""Keys generated once for local runs and kept under var/ with owner-only permissions."""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def read_or_create(path: Path, generate: Callable[[], str], *, create: bool) -> str:
    """The key stored at `path`; a new one is written there first when `create` allows it.

    Returns "" when there is no key and none may be created, so settings can say what to set.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        if not create:
            return ""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then linked into place: a concurrent reader never sees a half-written key.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(generate())
    try:
        os.link(tmp, path)
    except FileExistsError:  # another process of this run was first; use its key
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
