"""`python -m pyk8s.run`, as `make run` starts it: real processes, real HTTP, real signals.

Each run gets its own var/ under tmp_path, so SQLite and the private Redis, and neither
DATABASE_URL nor REDIS_URL from the test environment.
"""

import contextlib
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

pytestmark = pytest.mark.stack

BASE_DIR = Path(__file__).resolve().parents[2]
# Generous: on a busy machine five Python processes import Django and Celery at once.
READY_SECONDS = 120
STOP_SECONDS = 30
# What a fresh shell would not have: the Makefile sets these for the test run itself.
TEST_RUN_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "PYK8S_ENCRYPTION_KEYS",
    "PYK8S_TEST_DB_NAME",
    "PYK8S_REDIS_PREFIX",
    "CELERY_BROKER_URL",
}


class Run:
    def __init__(self, var_dir: Path, port: int, kind: Path) -> None:
        self.var_dir = var_dir
        self.url = f"http://127.0.0.1:{port}"
        self.log = var_dir.parent / f"run-{time.monotonic_ns()}.log"
        env = {k: v for k, v in os.environ.items() if k not in TEST_RUN_VARIABLES}
        env.update(PORT=str(port), PYK8S_VAR_DIR=str(var_dir), PYK8S_KIND_BINARY=str(kind))
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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

    def start(var_dir: Path, port: int | None = None) -> Run:
        run = Run(var_dir, port or free_port(), fake_kind.binary)
        runs.append(run)
        return run

    yield start
    for run in runs:
        for pid in descendants(run.process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        run.process.kill()
        run.process.wait()


def test_it_serves_the_product_until_ctrl_c(start_run, tmp_path):
    run = start_run(tmp_path / "var")
    run.wait_ready()
    children = descendants(run.process.pid)
    for needle in ("daphne", "celery -A pyk8s worker", "celery -A pyk8s beat", "redis-server"):
        child_named(run, needle)

    with httpx.Client(base_url=run.url, trust_env=False) as http:
        credentials = {"email": "ada@example.com", "password": "an unusual passphrase 7"}
        response = http.post("/users/register", json=credentials)
        assert response.status_code == 201, response.text
        response = http.post("/auth/token", json=credentials)
        assert response.status_code == 200, response.text
        access = response.json()["access"]
        auth = {"Authorization": f"Bearer {access}"}
        response = http.get("/users/me", headers=auth)
        assert response.json()["email"] == "ada@example.com"

        # Through the private Redis to the worker (and a fake kind), back to the database,
        # and as events through the private Redis's channel layer to this socket.
        ws_url = f"{run.url.replace('http', 'ws', 1)}/ws?token={access}"
        with connect(ws_url, open_timeout=10) as socket:
            response = http.post("/clusters", json={"name": "demo"}, headers=auth)
            assert response.status_code == 202, response.text
            cluster = f"/clusters/{response.json()['id']}"
            seen = []
            while "RUNNING" not in seen:
                event = json.loads(socket.recv(timeout=READY_SECONDS))
                if event["type"] == "cluster.status.changed":
                    seen.append(event["cluster"]["status"])
        assert seen[0] == "PROVISIONING"
        assert http.get(cluster, headers=auth).json()["status"] == "RUNNING", run.output()

        login_page = http.get("/admin/login/")
        assert login_page.status_code == 200
        stylesheet = re.search(r'href="(/static/admin/css/[^"]+\.css)"', login_page.text)
        assert stylesheet, login_page.text
        css = http.get(stylesheet.group(1))
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")

    run.process.send_signal(signal.SIGINT)
    assert run.wait_exit() == 0, run.output()
    assert wait_gone(set(children)) == set()
    assert not (run.var_dir / "redis.sock").exists()
    output = run.output()
    assert f"PyK8s-Lab is running at {run.url}/" in output
    assert re.search(r"^worker +\| .*celery@\S+ ready", output, re.MULTILINE), output
    assert output.endswith("pyk8s run: stopped\n")


def test_it_starts_cleanly_after_a_crash(start_run, tmp_path):
    var_dir = tmp_path / "var"
    crashed = start_run(var_dir)
    crashed.wait_ready()
    crashed.wait_for(var_dir / "celerybeat.pid")
    children = descendants(crashed.process.pid)
    redis = child_named(crashed, "redis-server")
    beat = child_named(crashed, "celery -A pyk8s beat")
    # Frozen first, so that it cannot tidy up after Redis and beat: all three die at once.
    crashed.process.send_signal(signal.SIGSTOP)
    os.killpg(redis, signal.SIGKILL)
    os.killpg(beat, signal.SIGKILL)
    crashed.process.kill()
    crashed.process.wait()
    # The web server and the worker follow their killed supervisor on their own.
    assert wait_gone(set(children)) == set()
    assert (var_dir / "redis.sock").exists()
    assert (var_dir / "celerybeat.pid").exists()

    restarted = start_run(var_dir)
    restarted.wait_ready()
    children = descendants(restarted.process.pid)
    beat = child_named(restarted, "celery -A pyk8s beat")

    # A child that dies takes the whole run down, and the message names it.
    os.kill(beat, signal.SIGKILL)
    assert restarted.wait_exit() == 1
    assert "beat exited unexpectedly (killed by SIGKILL)" in restarted.output()
    assert wait_gone(set(children)) == set()


def test_it_refuses_a_var_dir_that_a_live_run_holds(start_run, tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with (var_dir / "run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4242\n")
        lock.flush()
        run = start_run(var_dir)
        assert run.wait_exit() == 1
    assert run.output().strip() == (
        f"pyk8s run: another `make run` (pid 4242) is already using {var_dir}: stop it first,"
        " or give this one its own PYK8S_VAR_DIR"
    )


def test_it_refuses_a_port_in_use(start_run, tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        run = start_run(tmp_path / "var", port)
        assert run.wait_exit() == 1
    assert run.output().strip() == (
        f"pyk8s run: port {port} on 127.0.0.1 is already in use: stop what listens there,"
        " or choose another port with PORT=..."
    )
