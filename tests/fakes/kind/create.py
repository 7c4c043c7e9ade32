"""`kind create cluster` (pkg/cluster/internal/create with the docker provider), played out
on records: the same progress lines, the same failures for the faults tests inject, and
nodes that exist from "Preparing nodes" on, as containers would."""

from __future__ import annotations

import functools
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from .output import (
    API_SERVER_INTERNAL_PORT,
    DOCKER_DOWN,
    SALUTATIONS,
    KindError,
    Status,
    command_failed,
    dump_yaml,
    format_go_duration,
    go_quote,
    join_host_port,
    kubeconfig_for,
    shell_quote,
)
from .state import (
    CONTROL_PLANE,
    CREATE_EFFECTS,
    DEFAULT_IMAGE,
    WORKER,
    Faults,
    free_port,
    new_record,
    plan_nodes,
    port_taken,
)

if TYPE_CHECKING:
    from .cli import Context

CLUSTER_LABEL = "io.x-k8s.kind.cluster"
API_VERSION = "kind.x-k8s.io/v1alpha4"
# kind's validNameRE; Go's `$` never matches before a trailing newline, hence fullmatch.
VALID_NAME_SOURCE = "^[a-z0-9.-]+$"
CLUSTER_NAME_MAX = 50


@dataclass
class ClusterConfig:
    """The parts of a kind config (v1alpha4) the double acts on: PyK8s-Lab writes it, so it
    is read as written, not validated field by field as kind's strict decoder does."""

    name: str = ""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    networking: dict[str, Any] = field(default_factory=dict)

    @property
    def api_server_address(self) -> str:
        return str(self.networking.get("apiServerAddress") or "127.0.0.1")

    @property
    def api_server_port(self) -> int:
        return int(self.networking.get("apiServerPort") or 0)


def load_config(path: str, *, name: str, image: str) -> ClusterConfig:
    """The config file, with kind's defaults: one control plane, the default image, and
    --name and --image over what the file says."""
    config = ClusterConfig()
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            raise KindError(f"error reading file: open {path}: {reason}") from None
        if data.get("apiVersion") != API_VERSION or data.get("kind") != "Cluster":
            raise KindError(f"unknown apiVersion: {data.get('apiVersion', '')}")
        config = ClusterConfig(
            name=str(data.get("name") or ""),
            nodes=[dict(node or {}) for node in data.get("nodes") or []],
            networking=dict(data.get("networking") or {}),
        )
    config.name = name or config.name or "kind"
    config.nodes = config.nodes or [{"role": CONTROL_PLANE}]
    for node in config.nodes:
        node["image"] = image or node.get("image") or DEFAULT_IMAGE
    if not re.fullmatch(r"[a-z0-9.-]+", config.name):
        raise KindError(
            f"'{config.name}' is not a valid cluster name, cluster names must match "
            f"`{VALID_NAME_SOURCE}`"
        )
    return config


def docker_run_argv(cluster: str, node: dict[str, str], api: dict[str, Any]) -> list[str]:
    network = os.environ.get("KIND_EXPERIMENTAL_DOCKER_NETWORK") or "kind"
    argv = ["docker", "run", "--name", node["name"], "--hostname", node["name"]]
    argv += ["--label", f"io.x-k8s.kind.role={node['role']}", "--privileged"]
    argv += ["--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined"]
    argv += ["--tmpfs", "/tmp", "--tmpfs", "/run", "--volume", "/var"]
    argv += ["--volume", "/lib/modules:/lib/modules:ro", "-e", "KIND_EXPERIMENTAL_PROVIDER"]
    argv += ["--detach", "--tty", "--label", f"{CLUSTER_LABEL}={cluster}", "--net", network]
    argv += ["--restart=on-failure:1", "--init=false", "--cgroupns=private"]
    if node["role"] == CONTROL_PLANE:
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
        self, ctx: Context, config: ClusterConfig, *, kubeconfig: str, wait: float, faults: Faults
    ) -> None:
        self.ctx = ctx
        self.config = config
        self.name = config.name
        self.kubeconfig = kubeconfig
        self.wait = wait
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
        steps.append(("Writing configuration 📜", self.write_configuration))
        steps.append(("Starting control-plane 🕹️", self.kubeadm_init))
        if not self.config.networking.get("disableDefaultCNI"):
            steps.append(("Installing CNI 🔌", self.install_cni))
        steps.append(("Installing StorageClass 💾", self.install_storage))
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
        if self.kubeconfig:  # PyK8s-Lab always names a file of its own: no merging
            with open(self.kubeconfig, "w", encoding="utf-8") as kubeconfig:
                kubeconfig.write(dump_yaml(kubeconfig_for(record, internal=False)))
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
        """kind deletes every node labelled with the name, like `delete` (unless the test
        wants the nodes of a create that crashed)."""
        if not self.faults.leave_nodes:
            self.ctx.state.remove_cluster(self.name)


def run_create_cluster(ctx: Context, flags: dict[str, str]) -> None:
    try:
        config = load_config(flags["config"], name=flags["name"], image=flags["image"])
        ctx.record["cluster"] = config.name
        faults = ctx.faults("create cluster", config.name, CREATE_EFFECTS)
        wait = parse_seconds(flags["wait"]) if flags["wait"] else 0.0
        Creation(ctx, config, kubeconfig=flags["kubeconfig"], wait=wait, faults=faults).run()
    except KindError as error:
        raise error.wrap("failed to create cluster") from None


def parse_seconds(duration: str) -> float:
    """--wait as PyK8s-Lab gives it: a Go duration in whole seconds, minutes or hours."""
    match = re.fullmatch(r"(\d+)([smh])", duration)
    if match is None:
        raise KindError(f'invalid argument "{duration}" for "--wait" flag: not simulated')
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]
