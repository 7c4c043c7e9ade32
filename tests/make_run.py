"""`python -m pyk8s.run` as `make run` starts it, for the tests that run it: real processes,
real HTTP, real signals, and whatever a test leaves running killed afterwards.

Each run gets its own var/ under tmp_path, so its own PostgreSQL and Redis, and neither
DATABASE_URL nor REDIS_URL from the test environment.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.datastores import free_port

BASE_DIR = Path(__file__).resolve().parents[1]
# Generous: on a busy machine five Python processes import Django and Celery at once.
READY_SECONDS = 120
STOP_SECONDS = 30
# What a fresh shell would not have: the Makefile sets these for the test run itself.
TEST_RUN_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "TEST_DATABASE_URL",
    "TEST_REDIS_URL",
    "SECRET_KEY",
    "PYK8S_JWT_SIGNING_KEY",
    "PYK8S_ENCRYPTION_KEYS",
    "PYK8S_TEST_DB_NAME",
    "PYK8S_REDIS_PREFIX",
    "CELERY_BROKER_URL",
    "PYK8S_REGISTRATION",
}


class Run:
    def __init__(self, var_dir: Path, port: int, settings: dict[str, str]) -> None:
        self.var_dir = var_dir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = var_dir.parent / f"run-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k not in TEST_RUN_VARIABLES}
        env.update(settings, PORT=str(port), PYK8S_VAR_DIR=str(var_dir))
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pyk8s.run"],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"run exited early:\n{self.output()}"
            try:
                if httpx.get(f"{self.url}/health/ready", trust_env=False).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        pytest.fail(f"not ready within {READY_SECONDS} s:\n{self.output()}")

    def wait_for(self, path: Path) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while not path.exists():
            assert time.monotonic() < deadline, f"no {path}:\n{self.output()}"
            time.sleep(0.2)

    def wait_exit(self) -> int:
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run did not exit within {STOP_SECONDS} s:\n{self.output()}")


def live_processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) for every process that has not exited."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # exited meanwhile
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            processes[int(entry.name)] = (int(ppid), cmdline)
    return processes


def descendants(pid: int) -> dict[int, str]:
    processes = live_processes()
    found: dict[int, str] = {}
    parents = [pid]
    while parents:
        parent = parents.pop()
        for child, (ppid, cmdline) in processes.items():
            if ppid == parent and child not in found:
                found[child] = cmdline
                parents.append(child)
    return found


def child_named(run: Run, needle: str) -> int:
    """The supervisor's own child (not, say, a worker's pool process) running `needle`."""
    children = [
        pid
        for pid, (ppid, cmdline) in live_processes().items()
        if ppid == run.process.pid and needle in cmdline
    ]
    assert len(children) == 1, f"{needle!r}: {children}\n{run.output()}"
    return children[0]


def wait_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + STOP_SECONDS
    while (alive := pids & live_processes().keys()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


@pytest.fixture
def start_run(fake_kind):
    """Start runs; whatever a failed test leaves running is killed, never leaked."""
    runs: list[Run] = []

    def start(var_dir: Path, port: int | None = None, **settings: str) -> Run:
        """A run on the fake kind, unless `settings` name another PYK8S_KIND_BINARY."""
        run = Run(var_dir, port or free_port(), {**fake_kind.worker_env, **settings})
        runs.append(run)
        return run

    yield start
    for run in runs:
        for pid in descendants(run.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        run.process.kill()
        run.process.wait()
