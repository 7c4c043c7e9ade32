"""The config file: $XDG_CONFIG_HOME/pyk8s-lab/config.yaml, mode 0600 (it holds tokens)."""

from __future__ import annotations

import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from cli.errors import CliError
from cli.files import write_private_file

DEFAULT_API_URL = "http://localhost:8000"


@dataclass
class Config:
    api_url: str = DEFAULT_API_URL
    email: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    # The plain-HTTP api_url the user accepted at login with --insecure-http.
    insecure_http_url: str | None = None


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pyk8s-lab" / "config.yaml"


def load_config(path: Path) -> Config:
    """The saved config; defaults when there is none yet."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise CliError(f"Cannot read the config file {path}: {exc.strerror}.") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise _corrupt(path, f"is not valid YAML{line}") from exc
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise _corrupt(path, "is not a mapping of settings")
    known = set(Config.__dataclass_fields__)
    if unknown := sorted(str(key) for key in data if key not in known):
        raise _corrupt(path, f"has unknown settings: {', '.join(unknown)}")
    if wrong := sorted(key for key, value in data.items() if not isinstance(value, str | None)):
        raise _corrupt(path, f"has settings that are not text: {', '.join(wrong)}")
    config = Config(**data)
    if not config.api_url:
        raise _corrupt(path, "has an empty api_url")
    return config


def save_config(path: Path, config: Config) -> None:
    import yaml

    write_private_file(path, yaml.safe_dump(asdict(config), sort_keys=False))


def is_private(path: Path) -> bool:
    """False when anyone but the owner may read or write the file."""
    try:
        return not path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    except FileNotFoundError:
        return True


@contextmanager
def config_lock(path: Path) -> Iterator[None]:
    """Serialise token refreshes between concurrent pyk8s processes.

    Refresh tokens rotate and the old one is revoked at once, so two processes refreshing
    with the same token would log each other out.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path.with_name(".config.lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _corrupt(path: Path, problem: str) -> CliError:
    return CliError(
        f"The config file {path} {problem}. Fix it, or delete it and run `pyk8s auth login`."
    )
