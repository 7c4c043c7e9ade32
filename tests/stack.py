"""Real processes for tests that cross process boundaries: Celery workers, beat and daphne,
started against this test run's PostgreSQL database and Redis prefix.

Each process runs in its own process group and is stopped (TERM, then KILL) at teardown, so
nothing outlives the test. Their output goes to a log file whose tail is shown on failure.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from pyk8s import processes
from tests.datastores import free_port

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str = "condition",
):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def stack_env(**overrides: object) -> dict[str, str]:
    """The environment of a product process that shares this test's database and Redis."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "PYK8S_TEST_DB_NAME"}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        PYK8S_REDIS_PREFIX=settings.PYK8S_REDIS_PREFIX,
        SECRET_KEY=settings.SECRET_KEY,
        PYK8S_JWT_SIGNING_KEY=settings.PYK8S_JWT_SIGNING_KEY,
        PYK8S_ENCRYPTION_KEYS=",".join(settings.PYK8S_ENCRYPTION_KEYS),
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Process:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.url = ""  # where a web process answers
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (a Celery worker's pool children included)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 10.0) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self.kill(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)
        self._log.close()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


class Stack:
    """Starts product processes for one test and stops them all at the end."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        self.processes: list[Process] = []
        self.web_url = ""

    def start(self, name: str, argv: list[str], **env: object) -> Process:
        """Runs argv with this stack's environment, changed by `env` (None: removed)."""
        environment = {**self.env, **{k: str(v) for k, v in env.items() if v is not None}}
        for removed in (k for k, v in env.items() if v is None):
            environment.pop(removed, None)
        process = Process(name, argv, environment, self.log_dir)
        self.processes.append(process)
        return process

    def start_worker(self, name: str = "worker", **env: object) -> Process:
        """A Celery worker as deployments run it: role worker, without the signing keys."""
        from clusters.models import WorkerHost

        env = {
            "PYK8S_PROCESS_ROLE": "worker",
            "SECRET_KEY": None,
            "PYK8S_JWT_SIGNING_KEY": None,
            **env,
        }

        host = str(env.get("PYK8S_WORKER_HOST", self.env.get("PYK8S_WORKER_HOST", name)))
        registered_before = (
            WorkerHost.objects.filter(name=host).values_list("last_seen_at", flat=True).first()
        )
        process = self.start(
            name,
            [
                *processes.command("worker"),
                "--hostname", f"{name}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            **{**env, "PYK8S_WORKER_HOST": host},
        )  # fmt: skip

        def registered() -> bool:
            self._check_alive(process)
            seen = (
                WorkerHost.objects.filter(name=host).values_list("last_seen_at", flat=True).first()
            )
            return seen is not None and seen != registered_before

        wait_until(registered, timeout=30, what=f"{name} to register")
        return process

    def start_terminal_relay(self, host: str, **env: object) -> Process:
        """The terminal relay of Docker host `host` (the Procfile's `terminal`)."""
        return self.start(
            f"terminal-{host}", processes.command("terminal"), PYK8S_WORKER_HOST=host, **env
        )

    def start_beat(self, **env: object) -> Process:
        return self.start(
            "beat",
            [*processes.command("beat"), "--pidfile", str(self.log_dir / "beat.pid")],
            **env,
        )  # fmt: skip

    def start_web(self, name: str = "web", **env: object) -> Process:
        port = free_port()
        process = self.start(
            name,
            processes.command("web", PYK8S_BIND_ADDRESS="127.0.0.1", PORT=str(port)),
            **env,
        )
        url = f"http://127.0.0.1:{port}"

        def answering() -> bool:
            self._check_alive(process)
            try:
                return httpx.get(f"{url}/health/live", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(answering, timeout=30, what=f"{name} to answer")
        process.url = url
        self.web_url = self.web_url or url
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.tail()}" for p in self.processes)

    @staticmethod
    def _check_alive(process: Process) -> None:
        if not process.alive():
            raise AssertionError(f"{process.name} exited early:\n{process.tail()}")


@pytest.fixture
def stack(transactional_db, tmp_path, request) -> Iterator[Stack]:
    """Product processes on this test's database; start what the test needs."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    running = Stack(log_dir, stack_env())
    yield running
    running.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(running.logs())
