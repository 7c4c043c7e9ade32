"""What the double knows, shared by all its invocations: clusters (records standing in for
node containers), the networks kind made, the armed faults and the invocation log."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import fnmatch
import json
import os
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

DEFAULT_IMAGE = (
    "kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f"
)
CONTROL_PLANE = "control-plane"
WORKER = "worker"

# Fault effects, by the commands they make sense for (README.md, "Faults").
ANY_COMMAND_EFFECTS = frozenset({"delay", "hang", "docker-unreachable"})
CREATE_EFFECTS = frozenset({"image-pull", "disk-full", "kubeadm-init", "inotify", "not-ready"})
DELETE_EFFECTS = frozenset({"fail"})
EFFECTS = ANY_COMMAND_EFFECTS | CREATE_EFFECTS | DELETE_EFFECTS


class FakeSetupError(Exception):
    """The test set the double up wrongly (e.g. a malformed control file): not a kind error."""


class State:
    """Everything the double knows, as files under one directory shared by all invocations.

    Read-modify-write sequences hold an exclusive flock on `.lock`; single files are replaced
    atomically, so concurrent invocations never see a half-written record.
    """

    def __init__(self, root: Path) -> None:
        self.clusters_dir = root / "clusters"
        self.running_dir = root / "running"
        self.faults_path = root / "faults.json"
        self.log_path = root / "invocations.jsonl"
        self.lock_path = root / ".lock"
        self.networks_path = root / "networks.json"

    def ensure(self) -> None:
        self.clusters_dir.mkdir(parents=True, exist_ok=True)
        self.running_dir.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @staticmethod
    def write_json(path: Path, data: Any) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    def cluster_path(self, name: str) -> Path:
        return self.clusters_dir / f"{quote(name, safe='')}.json"

    def cluster(self, name: str) -> dict[str, Any] | None:
        try:
            record: dict[str, Any] = json.loads(self.cluster_path(name).read_text("utf-8"))
        except FileNotFoundError:
            return None
        return record

    def clusters(self) -> list[dict[str, Any]]:
        records = []
        for path in self.clusters_dir.glob("*.json"):
            with contextlib.suppress(FileNotFoundError):
                records.append(json.loads(path.read_text("utf-8")))
        return sorted(records, key=lambda record: str(record["name"]))

    def save_cluster(self, record: dict[str, Any]) -> None:
        self.write_json(self.cluster_path(record["name"]), record)

    def remove_cluster(self, name: str) -> None:
        self.cluster_path(name).unlink(missing_ok=True)

    def networks(self) -> list[str]:
        """The Docker networks kind created (besides Docker's own), as `docker network ls`."""
        try:
            names: list[str] = json.loads(self.networks_path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        return names

    def save_networks(self, names: list[str]) -> None:
        self.write_json(self.networks_path, sorted(set(names)))

    def faults(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.faults_path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except ValueError as error:
            raise FakeSetupError(f"{self.faults_path} is not valid JSON: {error}") from error
        faults = data.get("faults", []) if isinstance(data, dict) else None
        if not isinstance(faults, list):
            raise FakeSetupError(f'{self.faults_path} must be an object with a "faults" list')
        for fault in faults:
            check_fault(fault)
        return faults

    def save_faults(self, faults: list[dict[str, Any]]) -> None:
        self.write_json(self.faults_path, {"faults": faults})

    def take_faults(
        self, command: str, cluster: str | None, effects: frozenset[str]
    ) -> list[dict[str, Any]]:
        """The faults that apply to this command and cluster, each use counted once."""
        with self.locked():
            faults = self.faults()
            taken = []
            for fault in faults:
                if fault["effect"] in effects and fault_matches(fault, command, cluster):
                    taken.append(dict(fault))
                    if fault.get("times") is not None:
                        fault["times"] -= 1
            remaining = [f for f in faults if f.get("times") is None or f["times"] > 0]
            if taken:
                self.save_faults(remaining)
        return taken

    def append_log(self, record: dict[str, Any]) -> None:
        # One O_APPEND write per line needs no lock, so a signal handler can log safely.
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    def invocations(self) -> list[dict[str, Any]]:
        try:
            text = self.log_path.read_text("utf-8")
        except FileNotFoundError:
            return []
        # A line still being appended has no newline yet: leave it for the next read.
        return [json.loads(line) for line in text.split("\n")[:-1]]

    def running_path(self, pid: int) -> Path:
        return self.running_dir / f"{pid}.json"

    def running(self) -> list[dict[str, Any]]:
        records = []
        for path in self.running_dir.glob("*.json"):
            with contextlib.suppress(FileNotFoundError):
                records.append(json.loads(path.read_text("utf-8")))
        return records


def check_fault(fault: Any) -> None:
    """Refuse a malformed fault loudly: a silently ignored fault makes a test pass wrongly."""
    if not isinstance(fault, dict):
        raise FakeSetupError(f"a fault must be a JSON object, got {fault!r}")
    unknown = set(fault) - {"command", "cluster", "effect", "times", "seconds", "leave_nodes"}
    if unknown:
        raise FakeSetupError(f"unknown fault fields {sorted(unknown)} in {fault!r}")
    if fault.get("effect") not in EFFECTS:
        raise FakeSetupError(f"unknown fault effect in {fault!r}; known: {sorted(EFFECTS)}")
    times = fault.get("times")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise FakeSetupError(f'"times" must be a positive integer or null in {fault!r}')
    if fault["effect"] == "delay" and not isinstance(fault.get("seconds"), int | float):
        raise FakeSetupError(f'a "delay" fault needs "seconds" in {fault!r}')


def fault_matches(fault: dict[str, Any], command: str, cluster: str | None) -> bool:
    if not fnmatch.fnmatchcase(command, fault.get("command", "create cluster")):
        return False
    pattern = str(fault.get("cluster", "*"))
    if cluster is None:
        return pattern == "*"
    return fnmatch.fnmatchcase(cluster, pattern)


@dataclass
class Faults:
    """The faults taken for one invocation, reduced to what the command has to do."""

    delay: float = 0.0
    hang: bool = False
    failure: str | None = None
    leave_nodes: bool = False

    @classmethod
    def of(cls, taken: list[dict[str, Any]]) -> Faults:
        faults = cls()
        for fault in taken:
            effect = fault["effect"]
            if effect == "delay":
                faults.delay += float(fault["seconds"])
            elif effect == "hang":
                faults.hang = True
            elif faults.failure is None:
                faults.failure = effect
                faults.leave_nodes = bool(fault.get("leave_nodes", False))
        return faults


# --- clusters -------------------------------------------------------------------------------


def plan_nodes(cluster: str, nodes: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Node records for (role, image) pairs, named as kind names them: N-control-plane,
    N-worker, N-worker2... (PyK8s-Lab makes one control plane, so no load balancer.)"""
    counts: dict[str, int] = {}
    records = []
    for role, image in nodes:
        counts[role] = counts.get(role, 0) + 1
        suffix = "" if counts[role] == 1 else str(counts[role])
        records.append({"name": f"{cluster}-{role}{suffix}", "role": role, "image": image})
    return records


def _pem(label: str, der_size: int) -> str:
    # A DER SEQUENCE header makes the base64 start with "MII" like a real certificate or key.
    header = bytes([0x30, 0x82]) + (der_size - 4).to_bytes(2, "big")
    encoded = base64.b64encode(header + os.urandom(der_size - 4)).decode()
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def new_credentials() -> dict[str, str]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return {
        "certificate-authority-data": b64(_pem("CERTIFICATE", 1107)),
        "client-certificate-data": b64(_pem("CERTIFICATE", 1164)),
        "client-key-data": b64(_pem("RSA PRIVATE KEY", 1191)),
    }


def new_record(
    name: str,
    nodes: list[dict[str, str]],
    *,
    address: str,
    port: int,
    create_id: str,
    created_at: float | None = None,
    network: str = "kind",
) -> dict[str, Any]:
    return {
        "name": name,
        "create_id": create_id,
        "network": network,
        "created_at": time.time() if created_at is None else created_at,
        "nodes": nodes,
        "api_server": {"address": address, "port": port},
        "credentials": new_credentials(),
        # admin.conf exists once `kubeadm init` has run; `ready` once create has finished.
        "kubeadm_done": False,
        "ready": False,
        "failure": None,
    }


def port_taken(state: State, address: str, port: int) -> bool:
    return any(
        record["api_server"] == {"address": address, "port": port} for record in state.clusters()
    )


def free_port(state: State, address: str) -> int:
    """kind asks the OS for a free port; an ephemeral port no other cluster uses will do."""
    while True:
        port = random.randint(32768, 60999)
        if not port_taken(state, address, port):
            return port
