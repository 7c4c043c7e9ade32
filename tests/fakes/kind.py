"""A stand-in for the `kind` CLI (kubernetes-sigs/kind v0.29.0) on machines without Docker.

Tests never run this file directly: tests/fakes/fixtures.py writes a `<dir>/bin/kind` wrapper
that calls `main()` with the state directory built in, so the double works under any
environment, however small. The state layout and the fault-injection control file are
described in tests/fakes/README.md.

Texts, exit codes and ordering follow kind's sources: pkg/cmd/kind/... (one command each),
cmd/kind/app/main.go (error printing), pkg/cluster/internal/create/create.go and its actions,
pkg/internal/cli/status.go (output when stderr is not a terminal), pkg/internal/apis/config
(encoding/load.go and validate.go), pkg/cluster/internal/kubeconfig and cobra/pflag. Nodes
are records in the state directory instead of containers; "docker" failures are simulated.

Standard library and PyYAML only: it runs under whatever interpreter the wrapper names.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import fnmatch
import functools
import ipaddress
import json
import os
import platform
import random
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TextIO
from urllib.parse import quote

import yaml

KIND_VERSION = "0.29.0"
GO_VERSION = "go1.24.2"
DEFAULT_IMAGE = (
    "kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f"
)
LOAD_BALANCER_IMAGE = "docker.io/kindest/haproxy:v20230606-42a2262b"
DEFAULT_CLUSTER_NAME = "kind"
CLUSTER_LABEL = "io.x-k8s.kind.cluster"
API_VERSION = "kind.x-k8s.io/v1alpha4"
# kind's validNameRE; Go's `$` never matches before a trailing newline, hence fullmatch.
VALID_NAME = re.compile(r"[a-z0-9.-]+")
VALID_NAME_SOURCE = "^[a-z0-9.-]+$"
CLUSTER_NAME_MAX = 50
CONTROL_PLANE = "control-plane"
WORKER = "worker"
LOAD_BALANCER = "external-load-balancer"
API_SERVER_INTERNAL_PORT = 6443
DOCKER_DOWN = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?\n"
)
SALUTATIONS = (
    "Have a nice day! 👋",
    "Thanks for using kind! 😊",
    "Not sure what to do next? 😅  Check out https://kind.sigs.k8s.io/docs/user/quick-start/",
    "Have a question, bug, or feature request? Let us know! https://kind.sigs.k8s.io/#community 🙂",
)

# Fault effects, by the commands they make sense for (README.md, "Faults").
ANY_COMMAND_EFFECTS = frozenset({"delay", "hang", "docker-unreachable"})
CREATE_EFFECTS = frozenset({"image-pull", "disk-full", "kubeadm-init", "inotify", "not-ready"})
DELETE_EFFECTS = frozenset({"fail"})
EFFECTS = ANY_COMMAND_EFFECTS | CREATE_EFFECTS | DELETE_EFFECTS


class KindError(Exception):
    """A failure as kind prints it: `ERROR: <message>`, then any failed command's output."""

    def __init__(self, message: str, command_output: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command_output = command_output

    def wrap(self, prefix: str) -> KindError:
        return KindError(f"{prefix}: {self.message}", self.command_output)


class FakeSetupError(Exception):
    """The test set the double up wrongly (e.g. a malformed control file): not a kind error."""


class HelpRequested(Exception):
    def __init__(self, command: Command) -> None:
        super().__init__(command.path())
        self.command = command


_UNSAFE_SHELL_CHARS = re.compile(r"[^\w@%+=:,./-]", re.ASCII)


def shell_quote(arg: str) -> str:
    """alessio/shellescape.Quote, which kind uses to print failed commands."""
    if not arg:
        return "''"
    if _UNSAFE_SHELL_CHARS.search(arg):
        return "'" + arg.replace("'", "'\"'\"'") + "'"
    return arg


def command_failed(argv: Sequence[str], output: str, status: int = 1) -> KindError:
    """kind's exec.RunError: the pretty command, its exit status and what it printed."""
    pretty = " ".join(shell_quote(arg) for arg in argv)
    return KindError(f'command "{pretty}" failed with error: exit status {status}', output)


def go_quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def go_os_error(op: str, path: str, error: OSError) -> str:
    reason = os.strerror(error.errno) if error.errno else str(error)
    return f"{op} {path}: {reason[:1].lower()}{reason[1:]}"


def aggregate(errors: Sequence[str]) -> str:
    """k8s.io/apimachinery's aggregate error text, as kind's errors.NewAggregate reduces it."""
    unique = list(dict.fromkeys(errors))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


# --- Go durations (--wait) -------------------------------------------------------------

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # Go accepts both micro signs
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"(\d*\.?\d*)([^\d.]*)")


def parse_go_duration(text: str) -> float:
    """time.ParseDuration, in seconds; ValueError carries Go's own message."""
    quoted = go_quote(text)
    body = text
    sign = 1.0
    if body and body[0] in "+-":
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if body == "0":
        return 0.0
    if not body:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    position = 0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        assert match is not None  # the pattern also matches the empty string
        number, unit = match.groups()
        if number in ("", "."):
            raise ValueError(f"time: invalid duration {quoted}")
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _DURATION_UNITS:
            raise ValueError(f"time: unknown unit {go_quote(unit)} in duration {quoted}")
        total += float(number) * _DURATION_UNITS[unit]
        position = match.end()
    return sign * total


def format_go_duration(seconds: float) -> str:
    """time.Duration.Round(time.Second).String(), as kind prints wait times."""
    whole = int(abs(seconds) + 0.5)
    sign = "-" if seconds < 0 and whole else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


# --- state -----------------------------------------------------------------------------


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


# --- nodes and kubeconfigs ---------------------------------------------------------------


def node_names(cluster: str, roles: Sequence[str]) -> list[str]:
    """kind's MakeNodeNamer: N-control-plane, N-control-plane2, N-worker, N-worker2..."""
    counts: dict[str, int] = {}
    names = []
    for role in roles:
        counts[role] = counts.get(role, 0) + 1
        suffix = "" if counts[role] == 1 else str(counts[role])
        names.append(f"{cluster}-{role}{suffix}")
    return names


def plan_nodes(cluster: str, nodes: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Node records for (role, image) pairs, with the load balancer kind adds for HA."""
    roles = [role for role, _ in nodes]
    images = [image for _, image in nodes]
    if roles.count(CONTROL_PLANE) > 1:
        roles.insert(0, LOAD_BALANCER)
        images.insert(0, LOAD_BALANCER_IMAGE)
    return [
        {"name": name, "role": role, "image": image}
        for name, role, image in zip(node_names(cluster, roles), roles, images, strict=True)
    ]


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


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def kubeconfig_for(record: dict[str, Any], *, internal: bool) -> dict[str, Any]:
    """What kind derives from the node's admin.conf: everything named kind-<cluster>."""
    key = f"kind-{record['name']}"
    if internal:
        roles = {node["role"]: node["name"] for node in reversed(record["nodes"])}
        host = roles.get(LOAD_BALANCER) or roles[CONTROL_PLANE]
        server = f"https://{host}:{API_SERVER_INTERNAL_PORT}"
    else:
        api = record["api_server"]
        server = f"https://{join_host_port(api['address'], api['port'])}"
    credentials = record["credentials"]
    return {
        "apiVersion": "v1",
        "clusters": [
            {
                "cluster": {
                    "certificate-authority-data": credentials["certificate-authority-data"],
                    "server": server,
                },
                "name": key,
            }
        ],
        "contexts": [{"context": {"cluster": key, "user": key}, "name": key}],
        "current-context": key,
        "kind": "Config",
        "preferences": {},
        "users": [
            {
                "name": key,
                "user": {
                    "client-certificate-data": credentials["client-certificate-data"],
                    "client-key-data": credentials["client-key-data"],
                },
            }
        ],
    }


def dump_yaml(data: Any) -> str:
    # sigs.k8s.io/yaml sorts keys and never folds long lines, like this.
    return yaml.safe_dump(
        data, sort_keys=True, default_flow_style=False, allow_unicode=True, width=1 << 30
    )


def kubeconfig_paths(explicit: str) -> list[str]:
    """kind's kubeconfig paths(): --kubeconfig, else every $KUBECONFIG entry, else ~/.kube."""
    if explicit:
        return [explicit]
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    if listed:
        return list(dict.fromkeys(listed))
    # client-go's homedir.HomeDir() is $HOME even when empty (then the path is relative).
    return [os.path.join(os.environ.get("HOME", ""), ".kube", "config")]


def kubeconfig_path_for_merge(explicit: str) -> str:
    paths = kubeconfig_paths(explicit)
    if len(paths) == 1:
        return paths[0]
    return next((p for p in paths if os.path.exists(p)), paths[-1])


@contextlib.contextmanager
def kubeconfig_locked(path: str) -> Iterator[None]:
    """kind locks kubeconfig files like client-go: an O_EXCL `<path>.lock`, never waited on."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    lock = path + ".lock"
    try:
        os.close(os.open(lock, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
    except OSError as error:
        raise KindError(f"failed to lock config file: {go_os_error('open', lock, error)}") from None
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock)


_JSON_TYPES = {str: "string", list: "array", int: "number", float: "number", bool: "bool"}


def read_kubeconfig(path: str) -> dict[str, Any]:
    """kind's read(): a missing or empty file is an empty config; sigs.k8s.io/yaml's errors."""
    try:
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise KindError(go_os_error("open", path, error)) from None
    except yaml.YAMLError as error:
        raise KindError(f"error converting YAML to JSON: {_yaml_syntax_error(error)}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        json_type = _JSON_TYPES.get(type(loaded), "value")
        raise KindError(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{json_type} into Go value of type kubeconfig.Config"
        )
    return loaded


def write_kubeconfig(path: str, config: dict[str, Any]) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump_yaml(config))
    except OSError as error:
        raise KindError(go_os_error("open", path, error)) from None


def merge_kubeconfig(existing: dict[str, Any], ours: dict[str, Any]) -> None:
    """Insert or replace our cluster/user/context entries, leaving every other entry alone."""
    for section in ("clusters", "users", "contexts"):
        entries = list(existing.get(section) or [])
        entry = ours[section][0]
        names = [item.get("name") if isinstance(item, dict) else None for item in entries]
        if entry["name"] in names:
            entries[names.index(entry["name"])] = entry
        else:
            entries.append(entry)
        existing[section] = entries
    existing["current-context"] = ours["current-context"]
    own_fields = {"clusters", "users", "contexts", "current-context"}
    if not set(existing) - own_fields:
        existing.update({k: v for k, v in ours.items() if k not in own_fields})


def remove_from_kubeconfig(existing: dict[str, Any], cluster: str) -> bool:
    key = f"kind-{cluster}"
    mutated = False
    for section in ("clusters", "users", "contexts"):
        entries = existing.get(section) or []
        kept = [e for e in entries if not (isinstance(e, dict) and e.get("name") == key)]
        if len(kept) != len(entries):
            existing[section] = kept
            mutated = True
    if existing.get("current-context") == key:
        existing["current-context"] = ""
        mutated = True
    return mutated


def export_kubeconfig(record: dict[str, Any], explicit_path: str, *, internal: bool) -> None:
    path = kubeconfig_path_for_merge(explicit_path)
    with kubeconfig_locked(path):
        try:
            existing = read_kubeconfig(path)
        except KindError as error:
            raise error.wrap("failed to get kubeconfig to merge") from None
        merge_kubeconfig(existing, kubeconfig_for(record, internal=internal))
        write_kubeconfig(path, existing)


def remove_kubeconfig_entries(cluster: str, explicit_path: str) -> None:
    for path in kubeconfig_paths(explicit_path):
        with kubeconfig_locked(path):
            try:
                existing = read_kubeconfig(path)
            except KindError as error:
                raise error.wrap("failed to read kubeconfig to remove KIND entry") from None
            if remove_from_kubeconfig(existing, cluster):
                write_kubeconfig(path, existing)


# --- the kind config file ----------------------------------------------------------------

_STRING_TYPES = frozenset(
    {
        "string",
        "v1alpha4.NodeRole",
        "v1alpha4.ClusterIPFamily",
        "v1alpha4.ProxyMode",
        "v1alpha4.MountPropagation",
        "v1alpha4.PortMappingProtocol",
    }
)
_PATCHES = "[]v1alpha4.PatchJSON6902"
_STRUCTS: dict[str, dict[str, str]] = {
    "v1alpha4.Cluster": {
        "kind": "string",
        "apiVersion": "string",
        "name": "string",
        "featureGates": "map[string]bool",
        "runtimeConfig": "map[string]string",
        "nodes": "[]v1alpha4.Node",
        "networking": "v1alpha4.Networking",
        "kubeadmConfigPatches": "[]string",
        "kubeadmConfigPatchesJSON6902": _PATCHES,
        "containerdConfigPatches": "[]string",
        "containerdConfigPatchesJSON6902": "[]string",
    },
    "v1alpha4.Node": {
        "role": "v1alpha4.NodeRole",
        "image": "string",
        "labels": "map[string]string",
        "extraMounts": "[]v1alpha4.Mount",
        "extraPortMappings": "[]v1alpha4.PortMapping",
        "kubeadmConfigPatches": "[]string",
        "kubeadmConfigPatchesJSON6902": _PATCHES,
    },
    "v1alpha4.Networking": {
        "ipFamily": "v1alpha4.ClusterIPFamily",
        "apiServerPort": "int32",
        "apiServerAddress": "string",
        "podSubnet": "string",
        "serviceSubnet": "string",
        "disableDefaultCNI": "bool",
        "kubeProxyMode": "v1alpha4.ProxyMode",
        "dnsSearch": "[]string",
    },
    "v1alpha4.Mount": {
        "containerPath": "string",
        "hostPath": "string",
        "readOnly": "bool",
        "selinuxRelabel": "bool",
        "propagation": "v1alpha4.MountPropagation",
    },
    "v1alpha4.PortMapping": {
        "containerPort": "int32",
        "hostPort": "int32",
        "listenAddress": "string",
        "protocol": "v1alpha4.PortMappingProtocol",
    },
    "v1alpha4.PatchJSON6902": {
        "group": "string",
        "version": "string",
        "kind": "string",
        "patch": "string",
    },
}


def _short_tag(node: yaml.Node) -> str:
    return "!!" + node.tag.rsplit(":", 1)[-1] if node.tag.startswith("tag:yaml.org") else node.tag


def _type_error(node: yaml.Node, go_type: str) -> str:
    """yaml.v3's decoder.terror text, including its truncation of long values."""
    value = ""
    if isinstance(node, yaml.ScalarNode):
        value = f" `{node.value[:7]}...`" if len(node.value) > 10 else f" `{node.value}`"
    line = node.start_mark.line + 1
    return f"line {line}: cannot unmarshal {_short_tag(node)}{value} into {go_type}"


def _check_node(node: yaml.Node, go_type: str, errors: list[str]) -> None:
    """Strict decoding (KnownFields) of one YAML node into kind's v1alpha4 Go type."""
    if isinstance(node, yaml.ScalarNode) and _short_tag(node) == "!!null":
        return
    if go_type in _STRING_TYPES:
        if not isinstance(node, yaml.ScalarNode):
            errors.append(_type_error(node, go_type))
    elif go_type == "bool":
        if not (isinstance(node, yaml.ScalarNode) and _short_tag(node) == "!!bool"):
            errors.append(_type_error(node, go_type))
    elif go_type == "int32":
        if not (isinstance(node, yaml.ScalarNode) and _short_tag(node) == "!!int"):
            errors.append(_type_error(node, go_type))
    elif go_type.startswith("[]"):
        if not isinstance(node, yaml.SequenceNode):
            errors.append(_type_error(node, go_type))
            return
        for item in node.value:
            _check_node(item, go_type[2:], errors)
    elif go_type.startswith("map[string]"):
        if not isinstance(node, yaml.MappingNode):
            errors.append(_type_error(node, go_type))
            return
        for _, value in node.value:
            _check_node(value, go_type[len("map[string]") :], errors)
    else:
        if not isinstance(node, yaml.MappingNode):
            errors.append(_type_error(node, go_type))
            return
        fields = _STRUCTS[go_type]
        for key, value in node.value:
            if key.value not in fields:
                line = key.start_mark.line + 1
                errors.append(f"line {line}: field {key.value} not found in type {go_type}")
            else:
                _check_node(value, fields[key.value], errors)


def _yaml_syntax_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    return f"yaml: line {mark.line + 1}: {problem}" if mark is not None else f"yaml: {problem}"


@dataclass
class ClusterConfig:
    """The parts of kind's internal config.Cluster the double acts on, after defaulting."""

    name: str = ""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    networking: dict[str, Any] = field(default_factory=dict)

    @property
    def ip_family(self) -> str:
        return str(self.networking.get("ipFamily") or "ipv4")

    @property
    def api_server_address(self) -> str:
        default = "::1" if self.ip_family == "ipv6" else "127.0.0.1"
        return str(self.networking.get("apiServerAddress") or default)

    @property
    def api_server_port(self) -> int:
        return int(self.networking.get("apiServerPort") or 0)


def _type_meta(root: yaml.Node) -> dict[str, str]:
    """kind and apiVersion, decoded leniently as kind does before picking a config version."""
    type_meta: dict[str, str] = {}
    errors: list[str] = []
    if not isinstance(root, yaml.MappingNode):
        errors.append(_type_error(root, "encoding.typeMeta"))
    else:
        for key, value in root.value:
            if key.value in ("kind", "apiVersion"):
                if isinstance(value, yaml.ScalarNode):
                    type_meta[key.value] = value.value
                else:
                    errors.append(_type_error(value, "string"))
    if errors:
        raise KindError(
            "could not determine kind / apiVersion for config: yaml: unmarshal errors:\n  "
            + "\n  ".join(errors)
        )
    return type_meta


def parse_config(raw: str) -> ClusterConfig:
    """pkg/internal/apis/config/encoding.Parse; v1alpha4 is the only version kind v0.29 reads."""
    try:
        root = next(iter(yaml.compose_all(raw)), None)
    except yaml.YAMLError as error:
        raise KindError(
            f"could not determine kind / apiVersion for config: {_yaml_syntax_error(error)}"
        ) from None
    type_meta = _type_meta(root) if root is not None else {}
    api_version = type_meta.get("apiVersion", "")
    kind = type_meta.get("kind", "")
    if api_version != API_VERSION:
        raise KindError(f"unknown apiVersion: {api_version}")
    if kind != "Cluster":
        # kind passes these two the other way round; keep its text.
        raise KindError(f"unknown kind {api_version} for apiVersion: {kind}")
    errors: list[str] = []
    if root is not None:
        _check_node(root, "v1alpha4.Cluster", errors)
    if errors:
        raise KindError(
            "unable to decode config: yaml: unmarshal errors:\n  " + "\n  ".join(errors)
        )
    data = next(iter(yaml.safe_load_all(raw)))
    return ClusterConfig(
        name=str(data.get("name") or ""),
        nodes=[dict(node or {}) for node in data.get("nodes") or []],
        networking=dict(data.get("networking") or {}),
    )


def default_config(config: ClusterConfig, *, name_override: str, image_override: str) -> None:
    if name_override:
        config.name = name_override
    config.name = config.name or DEFAULT_CLUSTER_NAME
    if not config.nodes:
        config.nodes = [{"role": CONTROL_PLANE}]
    for node in config.nodes:
        node["role"] = node.get("role") or CONTROL_PLANE
        node["image"] = image_override or node.get("image") or DEFAULT_IMAGE


_DEFAULT_SUBNETS = {
    "podSubnet": {"ipv4": "10.244.0.0/16", "ipv6": "fd00:10:244::/56"},
    "serviceSubnet": {"ipv4": "10.96.0.0/16", "ipv6": "fd00:10:96::/112"},
}


def _subnet_error(subnets: str, family: str) -> str | None:
    networks = []
    for cidr in subnets.split(","):
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError:
            return f'failed to parse cidr value:"{cidr}" with error: invalid CIDR address: {cidr}'
    if family == "dual":
        if len(networks) > 2 or (len(networks) == 2 and {n.version for n in networks} != {4, 6}):
            return (
                "expected one (IPv4 or IPv6) CIDR or two CIDRs from each family "
                "for dual-stack networking"
            )
        return None
    if len(networks) > 1:
        return "only one CIDR allowed for single-stack networking"
    if family == "ipv4" and networks[0].version != 4:
        return "expected IPv4 CIDR for IPv4 family"
    if family == "ipv6" and networks[0].version != 6:
        return "expected IPv6 CIDR for IPv6 family"
    return None


def _port_error(port: Any) -> str | None:
    # -1 lets the container runtime pick the port.
    return None if -1 <= int(port or 0) <= 65535 else f"invalid port number: {port}"


def validate_config(config: ClusterConfig) -> None:
    """config.Cluster.Validate(): every problem found, aggregated like kind does."""
    errors = []
    if not VALID_NAME.fullmatch(config.name):
        errors.append(
            f"'{config.name}' is not a valid cluster name, "
            f"cluster names must match `{VALID_NAME_SOURCE}`"
        )
    port = config.networking.get("apiServerPort")
    if port and (message := _port_error(port)):
        errors.append(f"invalid apiServerPort: {message}")
    family = config.ip_family
    for key, label in (("podSubnet", "pod"), ("serviceSubnet", "service")):
        defaults = _DEFAULT_SUBNETS[key]
        default = ",".join(defaults.values()) if family == "dual" else defaults.get(family, "")
        subnet = str(config.networking.get(key) or default)
        if message := _subnet_error(subnet, family):
            errors.append(f"invalid {label} subnet {message}")
    proxy_mode = config.networking.get("kubeProxyMode") or "iptables"
    if proxy_mode not in ("iptables", "ipvs", "nftables", "none"):
        errors.append(f"invalid kubeProxyMode: {proxy_mode}")
    for index, node in enumerate(config.nodes):
        node_errors = []
        if node["role"] not in (CONTROL_PLANE, WORKER):
            node_errors.append(f"{go_quote(str(node['role']))} is not a valid node role")
        for mapping in node.get("extraPortMappings") or []:
            for key, label in (("hostPort", "hostPort"), ("containerPort", "containerPort")):
                if message := _port_error(mapping.get(key)):
                    node_errors.append(f"invalid {label}: {message}")
        if node_errors:
            errors.append(f"invalid configuration for node {index}: {aggregate(node_errors)}")
    if not any(node["role"] == CONTROL_PLANE for node in config.nodes):
        errors.append(f"must have at least one {CONTROL_PLANE} node")
    if errors:
        raise KindError(aggregate(errors))


# --- output ------------------------------------------------------------------------------


class Logger:
    """kind's CLI logger: everything but command results goes to stderr, a line at a time."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.verbosity = 0

    def info(self, message: str) -> None:
        if self.quiet:
            return
        sys.stderr.write(message if message.endswith("\n") else message + "\n")
        sys.stderr.flush()

    def debug(self, where: str, message: str) -> None:
        if self.verbosity >= 1:
            self.info(f"DEBUG: {where}] {message}")

    def error(self, error: KindError) -> None:
        self.info(f"ERROR: {error.message}")
        if error.command_output is not None:
            self.info(f"\nCommand Output: {error.command_output}")


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


class Status:
    """pkg/internal/cli/status.go when stderr is not a terminal: no spinner, one line each."""

    def __init__(self, logger: Logger) -> None:
        self.logger = logger
        self.current = ""

    def start(self, status: str) -> None:
        self.end(True)
        self.current = status
        self.logger.info(f" • {status}  ...")

    def end(self, success: bool) -> None:
        if not self.current:
            return
        self.logger.info(f" {'✓' if success else '✗'} {self.current}")
        self.current = ""


# --- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    name: str
    kind: str  # "string", "bool", "int32" or "duration", as pflag names them
    usage: str
    short: str = ""
    default: str = ""

    def label(self) -> str:
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"

    def convert(self, value: str) -> Any:
        try:
            if self.kind == "bool":
                return _parse_go_bool(value)
            if self.kind == "int32":
                return _parse_go_int32(value)
            if self.kind == "duration":
                return parse_go_duration(value)
        except ValueError as error:
            raise KindError(
                f"invalid argument {go_quote(value)} for {go_quote(self.label())} flag: {error}"
            ) from None
        return value


def _parse_go_bool(value: str) -> bool:
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(f"strconv.ParseBool: parsing {go_quote(value)}: invalid syntax")


def _parse_go_int32(value: str) -> int:
    try:
        number = int(value, 0)
    except ValueError:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax") from None
    if not -(2**31) <= number < 2**31:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return number


GLOBAL_FLAGS = (
    Flag("loglevel", "string", "DEPRECATED: see -v instead"),
    Flag("quiet", "bool", "silence all stderr output", short="q"),
    Flag("verbosity", "int32", "info log verbosity, higher value produces more output", "v"),
)
KUBECONFIG_FLAG = Flag(
    "kubeconfig", "string", "sets kubeconfig path instead of $KUBECONFIG or $HOME/.kube/config"
)


def _name_flag(usage: str = "the cluster context name") -> Flag:
    return Flag("name", "string", usage, short="n", default=DEFAULT_CLUSTER_NAME)


def no_args(command: Command, args: list[str]) -> str | None:
    return f"unknown command {go_quote(args[0])} for {go_quote(command.path())}" if args else None


def at_most_one_arg(command: Command, args: list[str]) -> str | None:
    return f"accepts at most 1 arg(s), received {len(args)}" if len(args) > 1 else None


def any_args(command: Command, args: list[str]) -> str | None:
    return None


@dataclass
class Command:
    name: str
    short: str
    long: str = ""
    flags: tuple[Flag, ...] = ()
    run: Callable[[Context, Invocation], None] | None = None
    check_args: Callable[[Command, list[str]], str | None] = no_args
    use: str = ""
    children: list[Command] = field(default_factory=list)
    parent: Command | None = None

    def add(self, *children: Command) -> Command:
        for child in children:
            child.parent = self
            self.children.append(child)
        return self

    def path(self) -> str:
        return f"{self.parent.path()} {self.name}" if self.parent else self.name

    def child(self, name: str) -> Command | None:
        return next((c for c in self.children if c.name == name), None)

    def all_flags(self) -> tuple[Flag, ...]:
        extra = [Flag("help", "bool", f"help for {self.name}", short="h")]
        if self.parent is None:
            extra.append(Flag("version", "bool", f"version for {self.name}"))
        return (*self.flags, *GLOBAL_FLAGS, *extra)


@dataclass
class Invocation:
    values: dict[str, Any]
    changed: set[str]
    args: list[str]

    def string(self, name: str) -> str:
        return str(self.values.get(name, ""))

    def cluster_name(self) -> str:
        """--name, or $KIND_CLUSTER_NAME when --name was not given (cli.OverrideDefaultName)."""
        if "name" not in self.changed and os.environ.get("KIND_CLUSTER_NAME"):
            return os.environ["KIND_CLUSTER_NAME"]
        return self.string("name")


@dataclass
class Context:
    state: State
    log: Logger
    record: dict[str, Any]
    stdin: TextIO

    def faults(self, command: str, cluster: str | None, effects: frozenset[str]) -> Faults:
        return Faults.of(self.state.take_faults(command, cluster, ANY_COMMAND_EFFECTS | effects))

    def hang(self) -> None:
        """Start a child that outlives us unless its whole process group is killed, then wait."""
        import subprocess  # here, not at the top: start-up time is paid by every invocation

        sleep = subprocess.Popen(["sleep", "600"])
        self.record["hung"] = True
        self.record["child_pids"] = [sleep.pid]
        self.state.write_json(self.state.running_path(os.getpid()), self.record)
        while True:
            time.sleep(3600)


def _first_positional(args: list[str], flags: tuple[Flag, ...]) -> int | None:
    """Where the next subcommand name is, skipping flag values like cobra's stripFlags."""
    bools = {f.name for f in flags if f.kind == "bool"}
    short_bools = {f.short for f in flags if f.kind == "bool" and f.short}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return None
        takes_value = (arg.startswith("--") and "=" not in arg and arg[2:] not in bools) or (
            arg.startswith("-") and len(arg) == 2 and arg[1:] not in short_bools
        )
        if takes_value:
            index += 2
            continue
        if arg and not arg.startswith("-"):
            return index
        index += 1
    return None


def find_command(root: Command, argv: list[str]) -> tuple[Command, list[str]]:
    command, args = root, list(argv)
    while (index := _first_positional(args, command.all_flags())) is not None:
        child = command.child(args[index])
        if child is None:
            break
        del args[index]
        command = child
    return command, args


def parse_flags(command: Command, args: list[str]) -> Invocation:
    """pflag's parsing, with its error texts."""
    flags = command.all_flags()
    by_name = {f.name: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    values: dict[str, Any] = {
        f.name: {"bool": False, "int32": 0, "duration": 0.0}.get(f.kind, f.default) for f in flags
    }
    changed: set[str] = set()
    positionals: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            positionals.extend(rest)
            break
        if arg.startswith("--"):
            name, has_value, value = arg[2:].partition("=")
            if not name or name[0] in "-=":
                raise KindError(f"bad flag syntax: {arg}")
            flag = by_name.get(name)
            if flag is None:
                raise KindError(f"unknown flag: --{name}")
            if not has_value and flag.kind == "bool":
                value = "true"
            elif not has_value:
                if not rest:
                    raise KindError(f"flag needs an argument: {arg}")
                value = rest.pop(0)
            values[flag.name] = flag.convert(value)
            changed.add(flag.name)
        elif arg.startswith("-") and arg != "-":
            shorthands = arg[1:]
            while shorthands:
                letter = shorthands[0]
                flag = by_short.get(letter)
                if flag is None:
                    raise KindError(f"unknown shorthand flag: '{letter}' in -{shorthands}")
                if len(shorthands) > 2 and shorthands[1] == "=":
                    value, shorthands = shorthands[2:], ""
                elif flag.kind == "bool":
                    value, shorthands = "true", shorthands[1:]
                elif len(shorthands) > 1:
                    value, shorthands = shorthands[1:], ""
                elif rest:
                    value, shorthands = rest.pop(0), ""
                else:
                    raise KindError(f"flag needs an argument: '{letter}' in -{shorthands}")
                values[flag.name] = flag.convert(value)
                changed.add(flag.name)
        else:
            positionals.append(arg)
    return Invocation(values, changed, positionals)


def help_text(command: Command) -> str:
    """cobra's default help: description, usage, subcommands and pflag's flag table."""
    path = command.path()
    lines = [command.long or command.short, "", "Usage:"]
    if command.run is not None:
        lines.append(f"  {path} {command.use or '[flags]'}".rstrip())
    if command.children:
        lines.append(f"  {path} [command]")
        lines += ["", "Available Commands:"]
        width = max(11, *(len(c.name) for c in command.children))
        lines += [f"  {c.name.ljust(width)} {c.short}" for c in command.children]
    local = command.flags + tuple(f for f in command.all_flags() if f.name in ("help", "version"))
    if command.parent is None:
        local += GLOBAL_FLAGS
    lines += ["", "Flags:", *_flag_table(local)]
    if command.parent is not None:
        lines += ["", "Global Flags:", *_flag_table(GLOBAL_FLAGS)]
    if command.children:
        lines += ["", f'Use "{path} [command] --help" for more information about a command.']
    return "\n".join(lines) + "\n"


def _flag_table(flags: Sequence[Flag]) -> list[str]:
    rows = []
    for flag in sorted(flags, key=lambda f: f.name):
        left = f"  -{flag.short}, --{flag.name}" if flag.short else f"      --{flag.name}"
        if flag.kind != "bool":
            left += f" {flag.kind}"
        usage = flag.usage + (f" (default {go_quote(flag.default)})" if flag.default else "")
        rows.append((left, usage))
    width = max(len(left) for left, _ in rows) + 1
    return [f"{left.ljust(width)}  {usage}" for left, usage in rows]


# --- create cluster ----------------------------------------------------------------------


def docker_run_argv(cluster: str, node: dict[str, str], api: dict[str, Any]) -> list[str]:
    argv = ["docker", "run", "--name", node["name"], "--hostname", node["name"]]
    argv += ["--label", f"io.x-k8s.kind.role={node['role']}", "--privileged"]
    argv += ["--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined"]
    argv += ["--tmpfs", "/tmp", "--tmpfs", "/run", "--volume", "/var"]
    argv += ["--volume", "/lib/modules:/lib/modules:ro", "-e", "KIND_EXPERIMENTAL_PROVIDER"]
    argv += ["--detach", "--tty", "--label", f"{CLUSTER_LABEL}={cluster}", "--net", "kind"]
    argv += ["--restart=on-failure:1", "--init=false", "--cgroupns=private"]
    if node["role"] in (CONTROL_PLANE, LOAD_BALANCER):
        host = join_host_port(api["address"], api["port"])
        argv.append(f"--publish={host}:{API_SERVER_INTERNAL_PORT}/TCP")
    return [*argv, "-e", "KUBECONFIG=/etc/kubernetes/admin.conf", node["image"]]


def docker_exec_argv(node: str, *command: str) -> list[str]:
    return ["docker", "exec", "--privileged", node, *command]


KUBEADM_INIT = (
    "kubeadm",
    "init",
    "--skip-phases=preflight",
    "--config=/kind/kubeadm.conf",
    "--skip-token-print",
    "--v=6",
)
KUBEADM_JOIN = ("kubeadm", "join", "--config", "/kind/kubeadm.conf", "--skip-phases=preflight")


def kubernetes_version(image: str) -> str:
    tag = image.split("@", 1)[0].rsplit(":", 1)
    return tag[1] if len(tag) == 2 and tag[1].startswith("v") else "v1.33.1"


def kubeadm_init_output(version: str, kubelet_lines: Sequence[str] = ()) -> str:
    lines = [
        "I0601 09:12:03.482119     214 initconfiguration.go:261] loading configuration "
        'from "/kind/kubeadm.conf"',
        f"[init] Using Kubernetes version: {version}",
        '[certs] Using certificateDir folder "/etc/kubernetes/pki"',
        '[kubeconfig] Using kubeconfig folder "/etc/kubernetes"',
        '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
        "[kubelet-start] Starting the kubelet",
        "[wait-control-plane] Waiting for the kubelet to boot up the control plane as static "
        'Pods from directory "/etc/kubernetes/manifests"',
        "[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. "
        "This can take up to 4m0s",
        *kubelet_lines,
        "[kubelet-check] The kubelet is not healthy after 4m0.000522918s",
        "",
        "Unfortunately, an error has occurred, likely caused by:",
        "\t- The kubelet is not running",
        "\t- The kubelet is unhealthy due to a misconfiguration of the node in some way "
        "(required cgroups disabled)",
        "",
        "If you are on a systemd-powered system, you can try to troubleshoot the error with "
        "the following commands:",
        "\t- 'systemctl status kubelet'",
        "\t- 'journalctl -xeu kubelet'",
        "",
        "error execution phase wait-control-plane: failed while waiting for the kubelet to "
        "start: The HTTP call equal to 'curl -sSL http://127.0.0.1:10248/healthz' returned "
        'error: Get "http://127.0.0.1:10248/healthz": context deadline exceeded',
        "To see the stack trace of this error execute with --v=5 or higher",
    ]
    return "\n".join(lines) + "\n"


INOTIFY_KUBELET_LINES = (
    'E0601 09:12:05.771348     301 kubelet.go:1612] "Failed to start cAdvisor" '
    'err="inotify_init: too many open files"',
    'E0601 09:12:05.771402     301 run.go:72] "command failed" '
    'err="failed to create fsnotify watcher: too many open files"',
)


class Creation:
    """pkg/cluster/internal/create.Cluster with the docker provider, played out on records."""

    def __init__(
        self, ctx: Context, config: ClusterConfig, flags: Invocation, faults: Faults
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.name = config.name
        self.kubeconfig = flags.string("kubeconfig")
        self.retain = bool(flags.values["retain"])
        self.wait = float(flags.values["wait"])
        self.faults = faults
        self.status = Status(ctx.log)
        self.create_id = f"{os.getpid()}-{os.urandom(4).hex()}"
        self.nodes = plan_nodes(self.name, [(n["role"], n["image"]) for n in config.nodes])
        self.steps_paused = 0
        self.step_count = 1

    def run(self) -> None:
        log = self.ctx.log
        if self.faults.failure == "docker-unreachable":
            raise command_failed(["docker", "info", "--format", "{{json .}}"], DOCKER_DOWN).wrap(
                "failed to get docker info"
            )
        if self.ctx.state.cluster(self.name) is not None:
            raise KindError(
                f"node(s) already exist for a cluster with the name {go_quote(self.name)}"
            )
        if len(self.name) > CLUSTER_NAME_MAX:
            log.info(
                f"cluster name {go_quote(self.name)} is probably too long, "
                "this might not work properly on some systems"
            )
        validate_config(self.config)
        log.info(f"Creating cluster {go_quote(self.name)} ...")
        steps = self.steps()
        self.step_count = len(steps)
        try:
            for title, action in steps:
                self.status.start(title)
                action()
            self.status.end(True)
        except KindError:
            self.status.end(False)
            self.clean_up()
            raise
        self.finish()

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        roles = [node["role"] for node in self.nodes]
        steps: list[tuple[str, Callable[[], None]]] = []
        for image in sorted({node["image"] for node in self.config.nodes}):
            title = f"Ensuring node image ({image.split('@sha256:')[0]}) 🖼"
            steps.append((title, functools.partial(self.ensure_image, image)))
        steps.append((f"Preparing nodes {'📦 ' * len(self.config.nodes)}", self.provision))
        if LOAD_BALANCER in roles:
            steps.append(("Configuring the external load balancer ⚖️", self.action))
        steps.append(("Writing configuration 📜", self.write_configuration))
        steps.append(("Starting control-plane 🕹️", self.kubeadm_init))
        if not self.config.networking.get("disableDefaultCNI"):
            steps.append(("Installing CNI 🔌", self.install_cni))
        steps.append(("Installing StorageClass 💾", self.install_storage))
        if roles.count(CONTROL_PLANE) > 1:
            steps.append(("Joining more control-plane nodes 🎮", self.join))
        if WORKER in roles:
            steps.append(("Joining worker nodes 🚜", self.join))
        if self.wait:
            title = f"Waiting ≤ {format_go_duration(self.wait)} for control-plane = Ready ⏳"
            steps.append((title, self.wait_for_ready))
        return steps

    def pause(self) -> None:
        """Each step ends at its share of the delay, counted from the process's start: a
        create takes the delay in all (start-up and its own work included), as asked."""
        self.steps_paused = min(self.steps_paused + 1, self.step_count)
        due = self.ctx.record["start"] + self.faults.delay * self.steps_paused / self.step_count
        time.sleep(max(0.0, due - time.time()))

    def ensure_image(self, image: str) -> None:
        self.ctx.log.debug("docker/images.go:67", f"Pulling image: {image} ...")
        self.pause()
        if self.faults.failure == "image-pull":
            output = (
                'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: '
                "request canceled while waiting for connection "
                "(Client.Timeout exceeded while awaiting headers)\n"
                if "@sha256:" in image
                else f"Error response from daemon: manifest for {image} not found: "
                "manifest unknown: manifest unknown\n"
            )
            error = command_failed(["docker", "pull", image], output)
            raise error.wrap(f"failed to pull image {go_quote(image)}")

    def provision(self) -> None:
        state = self.ctx.state
        address = self.config.api_server_address
        with state.locked():
            existing = state.cluster(self.name)
            port = self.config.api_server_port or free_port(state, address)
            api = {"address": address, "port": port}
            if existing is not None:
                node = self.nodes[0]
                output = (
                    "docker: Error response from daemon: Conflict. The container name "
                    f'"/{node["name"]}" is already in use by container "{os.urandom(32).hex()}". '
                    "You have to remove (or rename) that container to be able to reuse that name.\n"
                    "See 'docker run --help'.\n"
                )
                raise command_failed(docker_run_argv(self.name, node, api), output, 125)
            if port_taken(state, address, port):
                node = self.nodes[0]
                output = (
                    "docker: Error response from daemon: driver failed programming external "
                    f"connectivity on endpoint {node['name']} ({os.urandom(32).hex()}): Bind for "
                    f"{join_host_port(address, port)} failed: port is already allocated.\n"
                )
                raise command_failed(docker_run_argv(self.name, node, api), output, 125)
            # kind's network: its own "kind", or the one named here, created if missing.
            network = os.environ.get("KIND_EXPERIMENTAL_DOCKER_NETWORK") or "kind"
            state.save_networks([*state.networks(), network])
            state.save_cluster(
                new_record(
                    self.name,
                    self.nodes,
                    address=address,
                    port=port,
                    create_id=self.create_id,
                    network=network,
                )
            )
        self.pause()
        if self.faults.failure == "disk-full":
            node = self.nodes[0]
            output = (
                "docker: Error response from daemon: mkdir /var/lib/docker/overlay2/"
                f"{os.urandom(32).hex()}-init: no space left on device.\n"
                "See 'docker run --help'.\n"
            )
            self.mark_failure("disk-full")
            raise command_failed(docker_run_argv(self.name, node, api), output, 125)

    def vanished_error(self, node: str, *command: str) -> KindError:
        """What a step prints when our containers were deleted under us (another delete)."""
        output = f"Error response from daemon: No such container: {node}\n"
        return command_failed(docker_exec_argv(node, *command), output)

    def still_ours(self) -> bool:
        record = self.ctx.state.cluster(self.name)
        return record is not None and record.get("create_id") == self.create_id

    def control_plane(self) -> str:
        return next(n["name"] for n in self.nodes if n["role"] == CONTROL_PLANE)

    def action(self) -> None:
        self.pause()

    def write_configuration(self) -> None:
        if not self.still_ours():
            error = self.vanished_error(self.control_plane(), "cat", "/kind/version")
            raise error.wrap(
                "failed to generate kubeadm config content: failed to get kubernetes version "
                "from node: failed to get file"
            )
        self.pause()

    def kubeadm_init(self) -> None:
        node = self.control_plane()
        if not self.still_ours():
            raise self.vanished_error(node, *KUBEADM_INIT).wrap("failed to init node with kubeadm")
        if self.faults.hang:
            self.ctx.hang()
        self.pause()
        version = kubernetes_version(self.config.nodes[0]["image"])
        if self.faults.failure in ("kubeadm-init", "inotify"):
            self.mark_failure(self.faults.failure)
            lines = INOTIFY_KUBELET_LINES if self.faults.failure == "inotify" else ()
            error = command_failed(
                docker_exec_argv(node, *KUBEADM_INIT), kubeadm_init_output(version, lines)
            )
            raise error.wrap("failed to init node with kubeadm")
        self.update_record(kubeadm_done=True)

    def install_cni(self) -> None:
        if not self.still_ours():
            node = self.control_plane()
            error = self.vanished_error(node, "cat", "/kind/manifests/default-cni.yaml")
            raise error.wrap("failed to read CNI manifest")
        self.pause()

    def install_storage(self) -> None:
        if not self.still_ours():
            command = ("kubectl", "--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-")
            error = self.vanished_error(self.control_plane(), *command)
            raise error.wrap("failed to add default storage class")
        self.pause()

    def join(self) -> None:
        if not self.still_ours():
            node = next(n["name"] for n in self.nodes if n["role"] == WORKER)
            raise self.vanished_error(node, *KUBEADM_JOIN).wrap("failed to join node with kubeadm")
        self.pause()

    def wait_for_ready(self) -> None:
        started = time.monotonic()
        self.pause()
        if self.faults.failure == "not-ready" or not self.still_ours():
            time.sleep(max(0.0, self.wait - (time.monotonic() - started)))
            self.status.end(False)
            self.ctx.log.info(" • WARNING: Timed out waiting for Ready ⚠️")
            return
        self.status.end(True)
        self.ctx.log.info(f" • Ready after {format_go_duration(time.monotonic() - started)} 💚")

    def finish(self) -> None:
        record = self.ctx.state.cluster(self.name)
        if record is None or record.get("create_id") != self.create_id:
            raise KindError(
                f"could not locate any control plane nodes for cluster named '{self.name}'. "
                "Use the --name option to select a different cluster"
            )
        delays = (0.0, 0.001, 0.05, 0.1)
        for attempt, delay in enumerate(delays):
            time.sleep(delay)
            try:
                export_kubeconfig(record, self.kubeconfig, internal=False)
                break
            except KindError:
                if attempt == len(delays) - 1:
                    raise
        self.update_record(ready=True)
        context = f"kind-{self.name}"
        sample = f"kubectl cluster-info --context {context}"
        if self.kubeconfig:
            sample += f" --kubeconfig {shell_quote(self.kubeconfig)}"
        log = self.ctx.log
        log.info(f"Set kubectl context to {go_quote(context)}")
        log.info(f"You can now use your cluster with:\n\n{sample}")
        log.info("")
        log.info(random.choice(SALUTATIONS))

    def update_record(self, **changes: Any) -> None:
        state = self.ctx.state
        with state.locked():
            record = state.cluster(self.name)
            if record is not None and record.get("create_id") == self.create_id:
                record.update(changes)
                state.save_cluster(record)

    def mark_failure(self, failure: str) -> None:
        self.update_record(failure=failure)

    def clean_up(self) -> None:
        """Without --retain kind deletes every node labelled with the name, like `delete`."""
        if self.retain or self.faults.leave_nodes:
            return
        self.ctx.state.remove_cluster(self.name)
        with contextlib.suppress(KindError):
            remove_kubeconfig_entries(self.name, self.kubeconfig)


def load_config(ctx: Context, path: str) -> ClusterConfig:
    if not path:
        return ClusterConfig()
    if path == "-":
        return parse_config(ctx.stdin.read())
    try:
        with open(path, encoding="utf-8") as handle:
            raw = handle.read()
    except OSError as error:
        raise KindError(f"error reading file: {go_os_error('open', path, error)}") from None
    return parse_config(raw)


def run_create_cluster(ctx: Context, flags: Invocation) -> None:
    try:
        config = load_config(ctx, flags.string("config"))
        default_config(
            config, name_override=flags.cluster_name(), image_override=flags.string("image")
        )
        ctx.record["cluster"] = config.name
        faults = ctx.faults("create cluster", config.name, CREATE_EFFECTS)
        Creation(ctx, config, flags, faults).run()
    except KindError as error:
        raise error.wrap("failed to create cluster") from None


# --- delete ------------------------------------------------------------------------------


def list_nodes_failure(cluster: str) -> KindError:
    argv = ["docker", "ps", "-a", "--filter", f"label={CLUSTER_LABEL}={cluster}"]
    return command_failed([*argv, "--format", "{{.Names}}"], DOCKER_DOWN).wrap(
        "failed to list nodes"
    )


def list_clusters_failure() -> KindError:
    argv = ["docker", "ps", "-a", "--filter", f"label={CLUSTER_LABEL}", "--format"]
    argv.append(f'{{{{.Label "{CLUSTER_LABEL}"}}}}')
    return command_failed(argv, DOCKER_DOWN).wrap("failed to list clusters")


def delete_cluster(ctx: Context, command: str, name: str, kubeconfig: str) -> None:
    """pkg/cluster/internal/delete.Cluster: kubeconfig entries first, then the nodes."""
    record = ctx.state.cluster(name)
    # `docker rm` only runs when there are nodes, so only then can it fail.
    faults = ctx.faults(command, name, DELETE_EFFECTS if record else frozenset())
    if faults.hang:
        ctx.hang()
    time.sleep(faults.delay)
    if faults.failure == "docker-unreachable":
        raise list_nodes_failure(name).wrap("error listing nodes")
    record = ctx.state.cluster(name)
    kubeconfig_error = None
    try:
        remove_kubeconfig_entries(name, kubeconfig)
    except KindError as error:
        kubeconfig_error = error
        ctx.log.info(f"failed to update kubeconfig: {error.message}")
    if record is not None:
        if faults.failure == "fail":
            argv = ["docker", "rm", "-f", "-v", *(node["name"] for node in record["nodes"])]
            first = record["nodes"][0]["name"]
            output = (
                f'Error response from daemon: cannot remove container "/{first}": '
                "could not kill: tried to kill container, but did not receive an exit event\n"
            )
            raise command_failed(argv, output).wrap("failed to delete nodes")
        ctx.state.remove_cluster(name)
    if kubeconfig_error is not None:
        raise kubeconfig_error


def run_delete_cluster(ctx: Context, flags: Invocation) -> None:
    name = flags.cluster_name()
    ctx.record["cluster"] = name
    ctx.log.info(f"Deleting cluster {go_quote(name)} ...")
    try:
        delete_cluster(ctx, "delete cluster", name, flags.string("kubeconfig"))
    except KindError as error:
        raise error.wrap(f"failed to delete cluster {go_quote(name)}") from None


def run_delete_clusters(ctx: Context, flags: Invocation) -> None:
    names = list(flags.args)
    if flags.values["all"]:
        faults = ctx.faults("delete clusters", None, frozenset())
        if faults.hang:
            ctx.hang()
        time.sleep(faults.delay)
        if faults.failure == "docker-unreachable":
            raise list_clusters_failure().wrap("failed listing clusters for delete")
        names = [record["name"] for record in ctx.state.clusters()]
    elif not names:
        raise KindError("no cluster names provided")
    deleted = []
    for name in names:
        try:
            delete_cluster(ctx, "delete clusters", name, flags.string("kubeconfig"))
        except KindError as error:
            ctx.log.info(f"{error.wrap(f'failed to delete cluster {go_quote(name)}').message}\n")
            continue
        deleted.append(name)
    ctx.log.info(f"Deleted clusters: [{' '.join(go_quote(name) for name in deleted)}]")


# --- get / export ------------------------------------------------------------------------


def run_get_clusters(ctx: Context, flags: Invocation) -> None:
    faults = ctx.faults("get clusters", None, frozenset())
    if faults.hang:
        ctx.hang()
    time.sleep(faults.delay)
    if faults.failure == "docker-unreachable":
        raise list_clusters_failure()
    names = [record["name"] for record in ctx.state.clusters()]
    if not names:
        ctx.log.info("No kind clusters found.")
    for name in names:
        out(name)


def nodes_of(ctx: Context, command: str, name: str) -> list[dict[str, str]]:
    """The provider's ListNodes, with this command's faults applied."""
    faults = ctx.faults(command, name, frozenset())
    if faults.hang:
        ctx.hang()
    time.sleep(faults.delay)
    if faults.failure == "docker-unreachable":
        raise list_nodes_failure(name)
    record = ctx.state.cluster(name)
    return list(record["nodes"]) if record else []


def run_get_nodes(ctx: Context, flags: Invocation) -> None:
    if flags.values["all-clusters"]:
        names = [record["name"] for record in ctx.state.clusters()]
        nodes = [node for name in names for node in nodes_of(ctx, "get nodes", name)]
        if not nodes:
            ctx.log.info("No kind nodes for any cluster.")
    else:
        name = flags.cluster_name()
        ctx.record["cluster"] = name
        nodes = nodes_of(ctx, "get nodes", name)
        if not nodes:
            ctx.log.info(f"No kind nodes found for cluster {go_quote(name)}.")
    for node in nodes:
        out(node["name"])


def kubeconfig_record(ctx: Context, command: str, name: str) -> dict[str, Any]:
    """kubeconfig.get(): a control-plane node whose admin.conf `kubeadm init` has written."""
    nodes = nodes_of(ctx, command, name)
    control_planes = [node["name"] for node in nodes if node["role"] == CONTROL_PLANE]
    record = ctx.state.cluster(name)
    if not control_planes or record is None:
        raise KindError(
            f"could not locate any control plane nodes for cluster named '{name}'. "
            "Use the --name option to select a different cluster"
        )
    if not record.get("kubeadm_done"):
        argv = docker_exec_argv(control_planes[0], "cat", "/etc/kubernetes/admin.conf")
        output = "cat: /etc/kubernetes/admin.conf: No such file or directory\n"
        raise command_failed(argv, output).wrap("failed to get cluster internal kubeconfig")
    return record


def run_get_kubeconfig(ctx: Context, flags: Invocation) -> None:
    name = flags.cluster_name()
    ctx.record["cluster"] = name
    record = kubeconfig_record(ctx, "get kubeconfig", name)
    out(dump_yaml(kubeconfig_for(record, internal=bool(flags.values["internal"]))) + "\n")


def run_export_kubeconfig(ctx: Context, flags: Invocation) -> None:
    name = flags.cluster_name()
    ctx.record["cluster"] = name
    record = kubeconfig_record(ctx, "export kubeconfig", name)
    internal = bool(flags.values["internal"])
    export_kubeconfig(record, flags.string("kubeconfig"), internal=internal)
    ctx.log.info(f"Set kubectl context to {go_quote(f'kind-{name}')}")


def run_export_logs(ctx: Context, flags: Invocation) -> None:
    name = flags.cluster_name()
    ctx.record["cluster"] = name
    nodes = nodes_of(ctx, "export logs", name)
    if not nodes:
        raise KindError(f"unknown cluster {go_quote(name)}")
    if flags.args:
        directory = flags.args[0]
    else:
        import tempfile  # here, not at the top: start-up time is paid by every invocation

        directory = tempfile.mkdtemp(prefix="")
    ctx.log.info(f"Exporting logs for cluster {go_quote(name)} to:")
    out(directory)
    record = ctx.state.cluster(name) or {}
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    (root / "kind-version.txt").write_text(version_line() + "\n")
    (root / "docker-info.txt").write_text("Server Version: 28.1.1\nStorage Driver: overlay2\n")
    for node in nodes:
        node_dir = root / node["name"]
        node_dir.mkdir(exist_ok=True)
        (node_dir / "inspect.json").write_text(json.dumps([{"Name": f"/{node['name']}"}]) + "\n")
        (node_dir / "kubernetes-version.txt").write_text(kubernetes_version(node["image"]) + "\n")
        kubelet = ["Started kubelet: The Kubernetes Node Agent."]
        if record.get("failure") == "inotify":
            kubelet += list(INOTIFY_KUBELET_LINES)
        (node_dir / "kubelet.log").write_text("\n".join(kubelet) + "\n")
        (node_dir / "containerd.log").write_text("Started containerd container runtime.\n")
        (node_dir / "journal.log").write_text("Reached target Multi-User System.\n")


def version_line() -> str:
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"kind v{KIND_VERSION} {GO_VERSION} {sys.platform}/{arch}"


def run_version(ctx: Context, flags: Invocation) -> None:
    out(version_line())


def run_unsimulated(ctx: Context, flags: Invocation) -> None:
    raise FakeSetupError(f"`kind {ctx.record['command']}` is not simulated by tests/fakes/kind.py")


def build_commands() -> Command:
    name_flag = _name_flag()
    create_flags = (
        Flag(
            "name",
            "string",
            "cluster name, overrides KIND_CLUSTER_NAME, config (default kind)",
            short="n",
        ),
        Flag("config", "string", "path to a kind config file"),
        Flag("image", "string", "node docker image to use for booting the cluster"),
        Flag("retain", "bool", "retain nodes for debugging when cluster creation fails"),
        Flag("wait", "duration", "wait for control plane node to be ready (default 0s)"),
        KUBECONFIG_FLAG,
    )
    internal = Flag("internal", "bool", "use internal address instead of external")
    root = Command(
        "kind",
        "kind is a tool for managing local Kubernetes clusters",
        "kind creates and manages local Kubernetes clusters using Docker container 'nodes'",
    )
    create_long = "Creates a local Kubernetes cluster using Docker container 'nodes'"
    root.add(
        Command("build", "Build one of [node-image]", run=run_unsimulated, check_args=any_args),
        Command("create", "Creates one of [cluster]").add(
            Command(
                "cluster",
                "Creates a local Kubernetes cluster",
                create_long,
                create_flags,
                run_create_cluster,
            )
        ),
        Command("delete", "Deletes one of [cluster]").add(
            Command(
                "cluster",
                "Deletes a cluster",
                "Deletes a resource",
                (_name_flag("the cluster name"), KUBECONFIG_FLAG),
                run_delete_cluster,
            ),
            Command(
                "clusters",
                "Deletes one or more clusters",
                "Deletes one or more Kind clusters",
                (KUBECONFIG_FLAG, Flag("all", "bool", "delete all clusters", short="A")),
                run_delete_clusters,
                any_args,
            ),
        ),
        Command("export", "Exports one of [kubeconfig, logs]").add(
            Command(
                "kubeconfig",
                "Exports cluster kubeconfig",
                "",
                (name_flag, KUBECONFIG_FLAG, internal),
                run_export_kubeconfig,
            ),
            Command(
                "logs",
                "Exports logs to a tempdir or [output-dir] if specified",
                "",
                (name_flag,),
                run_export_logs,
                at_most_one_arg,
                "[output-dir] [flags]",
            ),
        ),
        Command("get", "Gets one of [clusters, nodes, kubeconfig]").add(
            Command("clusters", "Lists existing kind clusters by their name", run=run_get_clusters),
            Command(
                "nodes",
                "Lists existing kind nodes by their name",
                "",
                (
                    name_flag,
                    Flag(
                        "all-clusters",
                        "bool",
                        "If present, list all the available nodes across all cluster contexts. "
                        "Current context is ignored even if specified with --name.",
                        short="A",
                    ),
                ),
                run_get_nodes,
            ),
            Command(
                "kubeconfig",
                "Prints cluster kubeconfig",
                "",
                (name_flag, internal),
                run_get_kubeconfig,
            ),
        ),
        Command("load", "Loads images into nodes", run=run_unsimulated, check_args=any_args),
        Command("version", "Prints the kind CLI version", run=run_version),
    )
    return root


# --- entry point ---------------------------------------------------------------------------


def quiet_requested(argv: Sequence[str]) -> bool:
    """cmd/kind/app's checkQuiet: -q silences stderr before any other flag is understood."""
    for arg in argv:
        if arg == "--":
            return False
        if arg in ("-q", "--quiet", "--quiet=true"):
            return True
    return False


def execute(ctx: Context, argv: list[str]) -> int:
    try:
        command, rest = find_command(build_commands(), argv)
        ctx.record["command"] = command.path().partition(" ")[2]
        flags = parse_flags(command, rest)
        ctx.log.verbosity = int(flags.values["verbosity"])
        if flags.values["help"]:
            raise HelpRequested(command)
        if command.parent is None and flags.values["version"]:
            out(f"kind version {KIND_VERSION}")
            return 0
        if command.run is None:
            # cobra answers a group command (even with an unknown subcommand) with its help.
            raise HelpRequested(command)
        if message := command.check_args(command, flags.args):
            raise KindError(message)
        if "loglevel" in flags.changed:
            ctx.log.info("WARNING: --loglevel is deprecated, please switch to -v and -q!")
        command.run(ctx, flags)
    except HelpRequested as request:
        out(help_text(request.command).rstrip("\n"))
    except KindError as error:
        ctx.log.error(error)
        return 1
    return 0


def main(argv: list[str], state_dir: str, started: float | None = None) -> int:
    """Run one `kind` invocation against the state in `state_dir`; returns the exit code.
    `started`: when the process began, if the caller knew it before importing this module."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    state = State(Path(state_dir))
    state.ensure()
    record: dict[str, Any] = {
        "argv": ["kind", *argv],
        "pid": os.getpid(),
        "pgid": os.getpgid(0),
        "start": started or time.time(),
        "command": None,
        "cluster": None,
    }
    state.write_json(state.running_path(os.getpid()), record)

    def finish(exit_code: int, signal_name: str | None = None) -> None:
        state.append_log(
            {**record, "end": time.time(), "exit_code": exit_code, "signal": signal_name}
        )
        with contextlib.suppress(FileNotFoundError):
            state.running_path(os.getpid()).unlink()

    def die_of(signum: int, frame: object = None) -> NoReturn:
        """Log, then end the way a Go program does on this signal: killed by it."""
        finish(-signum, signal.Signals(signum).name)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        os._exit(128 + signum)  # only if the signal is blocked

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, die_of)
    ctx = Context(state, Logger(quiet=quiet_requested(argv)), record, sys.stdin)
    try:
        code = execute(ctx, argv)
    except FakeSetupError as error:
        sys.stderr.write(f"FAKE KIND SETUP ERROR: {error}\n")
        code = 2
    except BrokenPipeError:
        # Go dies of SIGPIPE at the first write to a closed pipe, wherever it is: so do we.
        die_of(signal.SIGPIPE)
    finish(code)
    return code


def docker_main(argv: list[str], state_dir: str, started: float | None = None) -> int:
    """The two `docker` commands PyK8s-Lab runs itself, on the same state: `network ls
    --format {{.Name}}` and `network rm NAME...`, with the Docker CLI's messages."""
    state = State(Path(state_dir))
    state.ensure()
    if argv == ["network", "ls", "--format", "{{.Name}}"]:
        sys.stdout.write("".join(f"{n}\n" for n in ["bridge", "host", "none", *state.networks()]))
        return 0
    if argv[:2] != ["network", "rm"] or len(argv) < 3:
        sys.stderr.write(f"FAKE DOCKER: not simulated: docker {' '.join(argv)}\n")
        return 125
    code = 0
    with state.locked():
        networks = state.networks()
        in_use = {record["network"] for record in state.clusters()}
        for name in argv[2:]:
            if name not in networks:
                sys.stderr.write(f"Error response from daemon: network {name} not found\n")
                code = 1
            elif name in in_use:
                sys.stderr.write(
                    "Error response from daemon: error while removing network: network "
                    f"{name} id {os.urandom(32).hex()} has active endpoints\n"
                )
                code = 1
            else:
                networks.remove(name)
                sys.stdout.write(f"{name}\n")
        state.save_networks(networks)
    if code:
        sys.stderr.write("exit status 1\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[2:], sys.argv[1]))
