"""The fake `kind` binary for tests: `make_fake_kind(dir)` and the `fake_kind` fixture.

Import `fake_kind` into a conftest.py to use the fixture (tests/fakes/conftest.py does); see
tests/fakes/README.md for what the double simulates and how to inject faults.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.kind import (
    CONTROL_PLANE,
    DEFAULT_IMAGE,
    WORKER,
    State,
    check_fault,
    free_port,
    new_record,
    plan_nodes,
)

KIND_PACKAGE = Path(__file__).with_name("kind")

# -I: PYTHONPATH and friends in the caller's environment must not change what runs.
# -S: skipping site (and the editable-install hooks it runs) saves a third of the start-up,
# which every provisioning test pays many times; PyYAML's directory is added back by hand.
WRAPPER = '''#!{python} -IS
"""`kind` (or `docker`) for one test: tests/fakes/kind/ with its state directory built in."""
import time

STARTED = time.time()  # before the imports: a Go binary is running by now

import importlib.util
import os
import sys

sys.path.append({packages!r})

spec = importlib.util.spec_from_file_location(
    "fake_kind", {package!r} + "/__init__.py", submodule_search_locations=[{package!r}]
)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
exit_code = module.{entry}(sys.argv[1:], state_dir={state!r}, started=STARTED)
# Out at once, as a Go binary is: no interpreter teardown between the logged end and the exit.
sys.stdout.flush()
sys.stderr.flush()
os._exit(exit_code)
'''


class FakeKind:
    """A fake `kind` binary plus what a test needs to arrange and inspect its world."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.binary = root / "bin" / "kind"
        # The docker CLI's network commands, which PyK8s-Lab runs itself, on the same state.
        self.docker_binary = root / "bin" / "docker"
        self.state_dir = root / "state"
        # A HOME of its own, so `kind` without --kubeconfig never touches the real ~/.kube.
        self.home = root / "home"
        self.state = State(self.state_dir)

    @property
    def default_kubeconfig(self) -> Path:
        return self.home / ".kube" / "config"

    @property
    def worker_env(self) -> dict[str, str]:
        """The settings that point a worker (or a run) at this double."""
        return {
            "PYK8S_KIND_BINARY": str(self.binary),
            "PYK8S_DOCKER_BINARY": str(self.docker_binary),
        }

    def networks(self) -> list[str]:
        """The Docker networks kind created and nobody removed yet."""
        return self.state.networks()

    def clusters(self) -> list[str]:
        """Names of the clusters whose nodes exist, as `kind get clusters` lists them."""
        return [record["name"] for record in self.state.clusters()]

    def cluster(self, name: str) -> dict[str, Any] | None:
        """The runtime record of one cluster: nodes, created_at, api_server, ready..."""
        return self.state.cluster(name)

    def nodes(self, name: str) -> list[str]:
        record = self.state.cluster(name)
        return [node["name"] for node in record["nodes"]] if record else []

    def add_cluster(
        self,
        name: str,
        *,
        workers: int = 0,
        created_at: float | None = None,
        kubeadm_done: bool = True,
        address: str = "127.0.0.1",
        port: int | None = None,
    ) -> dict[str, Any]:
        """Make a cluster exist in the runtime without `kind create` (foreign or orphaned).

        With kubeadm_done=False it looks like a create that died before `kubeadm init`:
        its nodes exist but `kind get kubeconfig` fails.
        """
        nodes = plan_nodes(
            name, [(CONTROL_PLANE, DEFAULT_IMAGE)] + [(WORKER, DEFAULT_IMAGE)] * workers
        )
        with self.state.locked():
            if self.state.cluster(name) is not None:
                raise ValueError(f"a cluster named {name!r} already exists")
            record = new_record(
                name,
                nodes,
                address=address,
                port=port or free_port(self.state, address),
                create_id="added-by-test",
                created_at=created_at,
            )
            record.update(kubeadm_done=kubeadm_done, ready=kubeadm_done)
            self.state.save_cluster(record)
        return record

    def set_fault(
        self,
        effect: str,
        *,
        command: str = "create cluster",
        cluster: str = "*",
        times: int | None = None,
        seconds: float | None = None,
        leave_nodes: bool = False,
    ) -> None:
        """Add a fault to the control file (README.md, "Faults"); times=None means always."""
        fault: dict[str, Any] = {"command": command, "cluster": cluster, "effect": effect}
        if times is not None:
            fault["times"] = times
        if seconds is not None:
            fault["seconds"] = seconds
        if leave_nodes:
            fault["leave_nodes"] = True
        check_fault(fault)
        with self.state.locked():
            self.state.save_faults([*self.state.faults(), fault])

    def set_create_delay(self, seconds: float, *, cluster: str = "*") -> None:
        """Make every matching create take about `seconds`, spread over its progress lines."""
        self.set_fault("delay", cluster=cluster, seconds=seconds)

    def faults(self) -> list[dict[str, Any]]:
        """The faults still armed (one-shot faults disappear once used)."""
        return self.state.faults()

    def clear_faults(self) -> None:
        with self.state.locked():
            self.state.save_faults([])

    def invocations(self, command: str | None = None) -> list[dict[str, Any]]:
        """Finished invocations in order: argv, pid, pgid, start, end, exit_code, signal."""
        return [
            record
            for record in self.state.invocations()
            if command is None or record["command"] == command
        ]

    def created(self) -> list[str]:
        """The clusters that `create cluster` made, in order. A create refused because its API
        port was taken meanwhile is not among them: the provider retries it on another port
        (two creates picked the same random port), so that cluster has two runs."""
        return [
            run["cluster"] for run in self.invocations("create cluster") if run["exit_code"] == 0
        ]

    def max_concurrent(self, command: str = "create cluster") -> int:
        """The most invocations of `command` that were running at the same moment."""
        events = []
        for record in self.invocations(command):
            events += [(record["start"], 1), (record["end"], -1)]
        running = peak = 0
        for _, change in sorted(events):
            running += change
            peak = max(peak, running)
        return peak

    def running(self) -> list[dict[str, Any]]:
        """Invocations still alive; a hung one carries `hung` and its `child_pids`."""
        return [record for record in self.state.running() if _alive(record["pid"])]

    def env(self, **extra: str) -> dict[str, str]:
        """The smallest environment the binary needs: nothing but a private HOME."""
        return {"HOME": str(self.home), **extra}

    def run(
        self, *args: str, env: dict[str, str] | None = None, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            env=self.env() if env is None else env,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def close(self) -> None:
        """Kill what hung invocations left behind: the fake processes and their `sleep`s."""
        for record in self.state.running():
            for pid in record.get("child_pids", []):
                if _command_line(pid)[:1] == ["sleep"]:
                    _kill(pid)
            if str(self.binary) in _command_line(record["pid"]):
                _kill(record["pid"])


def _command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name; Z is a zombie.
    return stat.rpartition(")")[2].split()[0] != "Z"


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def make_fake_kind(directory: Path) -> FakeKind:
    """Write `<directory>/bin/kind`, runnable with any environment, and return its handle."""
    fake = FakeKind(directory)
    fake.binary.parent.mkdir(parents=True, exist_ok=True)
    fake.home.mkdir(parents=True, exist_ok=True)
    fake.state.ensure()
    for binary, entry in ((fake.binary, "main"), (fake.docker_binary, "docker_main")):
        binary.write_text(
            WRAPPER.format(
                python=sys.executable,
                packages=str(Path(yaml.__file__).parent.parent),
                package=str(KIND_PACKAGE),
                state=str(fake.state_dir),
                entry=entry,
            )
        )
        binary.chmod(0o755)
    return fake


@pytest.fixture
def fake_kind(tmp_path: Path, settings: Any) -> Iterator[FakeKind]:
    """The fake kind, run by this process's provider in place of the real one (processes
    started for the test are given its binary themselves)."""
    fake = make_fake_kind(tmp_path / "fake-kind")
    settings.PYK8S_KIND_BINARY = str(fake.binary)
    settings.PYK8S_DOCKER_BINARY = str(fake.docker_binary)
    yield fake
    fake.close()


DOCKER_TERMINAL_SOURCE = Path(__file__).with_name("docker_terminal.py")
DOCKER_WRAPPER = '''#!{python} -IS
"""`docker` for terminal sessions: tests/fakes/docker_terminal.py with its state built in."""
import importlib.util

spec = importlib.util.spec_from_file_location("fake_docker_terminal", {source!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.main({state!r})
'''


class FakeTerminalDocker:
    """The fake docker CLI of terminal sessions and what a test inspects of its world."""

    def __init__(self, root: Path) -> None:
        self.binary = root / "bin" / "docker"
        self.state_dir = root / "state"

    def add_image(self, image: str) -> None:
        with (self.state_dir / "images").open("a") as images:
            images.write(image + "\n")

    def set_engine_down(self) -> None:
        (self.state_dir / "engine-down").touch()

    def containers(self) -> list[dict[str, Any]]:
        records = sorted((self.state_dir / "containers").glob("*.json"))
        return [json.loads(record.read_text()) for record in records]

    def close(self) -> None:
        for container in self.containers():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(container["pid"], signal.SIGKILL)


def make_fake_terminal_docker(directory: Path) -> FakeTerminalDocker:
    fake = FakeTerminalDocker(directory)
    fake.binary.parent.mkdir(parents=True, exist_ok=True)
    (fake.state_dir / "containers").mkdir(parents=True, exist_ok=True)
    fake.binary.write_text(
        DOCKER_WRAPPER.format(
            python=sys.executable, source=str(DOCKER_TERMINAL_SOURCE), state=str(fake.state_dir)
        )
    )
    fake.binary.chmod(0o755)
    return fake


@pytest.fixture
def fake_terminal_docker(fake_kind: FakeKind, settings: Any) -> Iterator[FakeTerminalDocker]:
    """Terminal sessions on real shells: this docker for the relay, the fake kind for the
    clusters' internal kubeconfigs, and a terminal image that exists."""
    fake = make_fake_terminal_docker(fake_kind.root / "terminal-docker")
    settings.PYK8S_DOCKER_BINARY = str(fake.binary)
    settings.PYK8S_TERMINAL_IMAGE = "pyk8s-terminal:test"
    fake.add_image("pyk8s-terminal:test")
    yield fake
    fake.close()
