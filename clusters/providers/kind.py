"""KindProvider: clusters as kind (Kubernetes in Docker) clusters, through the kind CLI, and
the docker CLI for what kind leaves to its user: each cluster's own Docker network.

Every cluster gets a Docker network of its own, named like the cluster
(kind's KIND_EXPERIMENTAL_DOCKER_NETWORK), so that one tenant's pods cannot reach another
tenant's nodes or NodePorts: Docker isolates bridge networks from each other. kind creates
the network but never removes it, so delete does, and the reconciler removes leftovers."""

import logging
import re
import secrets
import socket
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.conf import settings

from clusters.models import ReasonCode
from clusters.providers.base import ClusterSpec, OnLine, ProviderError
from clusters.providers.runner import CommandNotFound, CommandResult, run_command

logger = logging.getLogger(__name__)

API_PORT_RANGE = (20000, 29999)
PORT_ATTEMPTS = 3
_PORT_TAKEN = re.compile(r"port is already allocated|address already in use", re.I)
LIST_TIMEOUT_SECONDS = 60
# What Docker answers when asked to remove a network that is gone.
_NO_SUCH_NETWORK = re.compile(r"no such network|network \S+ not found", re.I)
# kind's own rule for cluster names; anything else on a `get clusters` line is not a name.
_CLUSTER_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")

# kind's known failures, most specific first: (pattern in kind's output, code, what to do).
_DIAGNOSES: list[tuple[re.Pattern[str], ReasonCode, str]] = [
    (
        re.compile(
            r"Cannot connect to the Docker daemon|failed to get docker info|"
            r"docker.*executable file not found|permission denied.*docker\.sock",
            re.I,
        ),
        ReasonCode.DOCKER_UNREACHABLE,
        "The Docker engine on the cluster host is not reachable. Operator: check that Docker "
        "runs there and that the worker's DOCKER_HOST (or socket mount) points at it.",
    ),
    (
        re.compile(r"no space left on device", re.I),
        ReasonCode.OUT_OF_DISK,
        "The cluster host ran out of disk space. Operator: free space on the Docker host "
        "(e.g. `docker system prune`) or give it a bigger disk.",
    ),
    (
        re.compile(r"too many open files|failed to create fsnotify watcher", re.I),
        ReasonCode.INOTIFY_LIMITS,
        "The cluster host hit its inotify limits (too many open files). Operator: raise them "
        "on the Docker host, e.g. `sysctl fs.inotify.max_user_watches=524288` and "
        "`sysctl fs.inotify.max_user_instances=512`.",
    ),
    (
        re.compile(r"failed to pull image|error pulling image|manifest unknown", re.I),
        ReasonCode.IMAGE_PULL_FAILED,
        "The node image could not be pulled. Operator: pre-pull the kindest/node image on "
        "the Docker host or check its registry access.",
    ),
    (
        re.compile(r"non-overlapping IPv4 address pool|could not find an available.*pool", re.I),
        ReasonCode.CREATE_FAILED,
        "The cluster host has no address range left for another cluster network (each "
        "cluster has its own). Operator: widen dockerd's `default-address-pools`, or lower "
        "the host's cluster capacity.",
    ),
    (
        re.compile(r"node\(s\) already exist for a cluster with the name", re.I),
        ReasonCode.NAME_EXISTS,
        "A runtime cluster with this cluster's internal name already exists on the host. "
        "Operator: the reconciler removes it if it is an orphan; the user can then retry.",
    ),
    (
        re.compile(r"failed to init node with kubeadm|kubeadm init", re.I),
        ReasonCode.KUBEADM_INIT_FAILED,
        "Kubernetes failed to start on the control-plane node (kubeadm init). Operator: see "
        "the provisioning log; usual causes are CPU/memory pressure or cgroup settings.",
    ),
]


def _without_kubectl_hints(on_line: OnLine) -> OnLine:
    """kind closes with `Set kubectl context to "kind-pk-…"` and a kubectl command naming our
    private temp file: true for kind's own user, misleading for ours, so it ends there."""
    finished = False

    def forward(line: str) -> None:
        nonlocal finished
        finished = finished or line.startswith("Set kubectl context to")
        if not finished:
            on_line(line)

    return forward


class KindProvider:
    def __init__(
        self,
        *,
        binary: str,
        docker_binary: str,
        network_prefix: str,
        api_server_address: str,
        public_host: str,
        node_images: dict[str, str],
        create_timeout: float,
        delete_timeout: float,
    ) -> None:
        self.binary = binary
        self.docker_binary = docker_binary
        self.network_prefix = network_prefix
        self.api_server_address = api_server_address
        self.public_host = public_host
        self.node_images = node_images
        self.create_timeout = create_timeout
        self.delete_timeout = delete_timeout

    @classmethod
    def from_settings(cls) -> "KindProvider":
        return cls(
            binary=settings.PYK8S_KIND_BINARY,
            docker_binary=settings.PYK8S_DOCKER_BINARY,
            network_prefix=settings.PYK8S_RUNTIME_NAME_PREFIX,
            api_server_address=settings.PYK8S_API_SERVER_ADDRESS,
            public_host=settings.PYK8S_PUBLIC_HOST,
            node_images=settings.PYK8S_KIND_NODE_IMAGES,
            create_timeout=settings.PYK8S_CREATE_TIMEOUT_SECONDS,
            delete_timeout=settings.PYK8S_DELETE_TIMEOUT_SECONDS,
        )

    def create(self, spec: ClusterSpec, *, on_line: OnLine) -> str:
        # A private directory: kind writes the kubeconfig here, never to ~/.kube/config,
        # so concurrent creates cannot clobber each other.
        with tempfile.TemporaryDirectory(prefix="pyk8s-create-") as workdir:
            config_path = Path(workdir) / "kind-config.yaml"
            kubeconfig_path = Path(workdir) / "kubeconfig"
            wait_seconds = max(30, int(self.create_timeout * 0.8))
            argv = [
                self.binary, "create", "cluster",
                "--name", spec.runtime_name,
                "--config", str(config_path),
                "--kubeconfig", str(kubeconfig_path),
                "--image", self.node_image(spec.kubernetes_version),
                "--wait", f"{wait_seconds}s",
            ]  # fmt: skip
            on_line = _without_kubectl_hints(on_line)
            for _ in range(PORT_ATTEMPTS):
                # A fresh random API port each time: ours is only probed locally, so with a
                # remote Docker engine it can turn out to be taken there.
                config_path.write_text(yaml.safe_dump(self.cluster_config(spec), sort_keys=False))
                result = self._run(
                    argv,
                    timeout=self.create_timeout,
                    on_line=on_line,
                    extra_env={"KIND_EXPERIMENTAL_DOCKER_NETWORK": spec.runtime_name},
                )
                if result.ok or not _PORT_TAKEN.search(result.output):
                    break
                self._remove_leftovers(spec.runtime_name, on_line)
            if not result.ok:
                error = self._diagnose(result)
                # Another cluster of that name is not this create's to remove.
                if error.code != ReasonCode.NAME_EXISTS:
                    self._remove_leftovers(spec.runtime_name, on_line)
                raise error
            try:
                return self._for_users(kubeconfig_path.read_text())
            except FileNotFoundError:
                self._remove_leftovers(spec.runtime_name, on_line)
                raise ProviderError(
                    ReasonCode.CREATE_FAILED,
                    "kind reported success but wrote no kubeconfig.",
                    result.lines[-20:],
                ) from None

    def delete(self, runtime_name: str, *, on_line: OnLine) -> None:
        with tempfile.TemporaryDirectory(prefix="pyk8s-delete-") as workdir:
            argv = [
                self.binary, "delete", "cluster",
                "--name", runtime_name,
                "--kubeconfig", str(Path(workdir) / "kubeconfig"),
            ]  # fmt: skip
            result = self._run(argv, timeout=self.delete_timeout, on_line=on_line)
        if not result.ok:
            raise self._diagnose(result)
        self.delete_network(runtime_name)

    def list_networks(self) -> list[str]:
        """The Docker networks named with our prefix: each cluster's, and leftovers."""
        argv = [self.docker_binary, "network", "ls", "--format", "{{.Name}}"]
        result = self._run(argv, timeout=LIST_TIMEOUT_SECONDS, data_output=True)
        if not result.ok:
            raise self._diagnose(result)
        return [name for name in result.lines if name.startswith(self.network_prefix)]

    def delete_network(self, name: str) -> bool:
        """Remove a cluster's network; a missing one counts as removed. A failure is only
        logged: the reconciler removes the leftover on its next run."""
        argv = [self.docker_binary, "network", "rm", name]
        result = self._run(argv, timeout=LIST_TIMEOUT_SECONDS)
        if result.ok or _NO_SUCH_NETWORK.search(result.output):
            return True
        logger.warning(
            "cluster network not removed", extra={"network": name, "output": result.output[-500:]}
        )
        return False

    def list_clusters(self) -> list[str]:
        result = self._run([self.binary, "get", "clusters"], timeout=LIST_TIMEOUT_SECONDS)
        if not result.ok:
            raise self._diagnose(result)
        return [line.strip() for line in result.lines if _CLUSTER_NAME.match(line.strip())]

    def kubeconfig(self, runtime_name: str) -> str:
        argv = [self.binary, "get", "kubeconfig", "--name", runtime_name]
        result = self._run(argv, timeout=LIST_TIMEOUT_SECONDS, data_output=True)
        if not result.ok:
            raise self._diagnose(result)
        return self._for_users("\n".join(result.lines) + "\n")

    def internal_kubeconfig(self, runtime_name: str) -> str:
        """The kubeconfig that works from the cluster's own Docker network (a terminal
        container's): the control-plane node's name and port 6443."""
        argv = [self.binary, "get", "kubeconfig", "--internal", "--name", runtime_name]
        result = self._run(argv, timeout=LIST_TIMEOUT_SECONDS, data_output=True)
        if not result.ok:
            raise self._diagnose(result)
        return "\n".join(result.lines) + "\n"

    def cluster_config(self, spec: ClusterSpec) -> dict[str, Any]:
        nodes = [{"role": "control-plane"}] + [{"role": "worker"}] * spec.workers
        config: dict[str, Any] = {
            "kind": "Cluster",
            "apiVersion": "kind.x-k8s.io/v1alpha4",
            "networking": {
                "apiServerAddress": self.api_server_address,
                "apiServerPort": self._free_port(),
            },
            "nodes": nodes,
        }
        if self.public_host:
            # kubectl checks the server's name against the certificate. kind's own SANs
            # (localhost, the bind address) are repeated: a patch replaces the whole list.
            sans = list(dict.fromkeys(["localhost", self.api_server_address, self.public_host]))
            patch = {"kind": "ClusterConfiguration", "apiServer": {"certSANs": sans}}
            config["kubeadmConfigPatches"] = [yaml.safe_dump(patch, sort_keys=False)]
        return config

    def _for_users(self, kubeconfig: str) -> str:
        """kind's kubeconfig names the bind address, which only works on the host itself;
        with a public host, users get that name instead (same port, same credentials)."""
        if not self.public_host:
            return kubeconfig
        config = yaml.safe_load(kubeconfig)
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        for entry in config.get("clusters") or []:
            port = urlsplit(entry["cluster"]["server"]).port
            entry["cluster"]["server"] = f"https://{host}:{port}"
        return str(yaml.safe_dump(config, sort_keys=False))

    def node_image(self, kubernetes_version: str) -> str:
        return self.node_images.get(kubernetes_version, f"kindest/node:v{kubernetes_version}")

    def _run(
        self,
        argv: list[str],
        *,
        timeout: float,
        on_line: OnLine | None = None,
        data_output: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> CommandResult:
        """Run kind or docker. With data_output, stdout is kept whole and apart from stderr."""
        limits = {"split_stderr": True, "max_line_chars": 10**6} if data_output else {}
        try:
            result = run_command(
                argv,
                timeout=timeout,
                on_line=on_line,
                extra_env=extra_env,
                **limits,  # type: ignore[arg-type]
            )
        except CommandNotFound as exc:
            program = "kind" if argv[0] == self.binary else "docker"
            raise ProviderError(
                ReasonCode.BINARY_MISSING,
                f"The {program} binary was not found on the cluster host ({exc}). Operator: "
                f"install {program} there or point PYK8S_{program.upper()}_BINARY at it.",
            ) from exc
        return result

    def _diagnose(self, result: CommandResult) -> ProviderError:
        tail = result.lines[-20:]
        if result.timed_out:
            return ProviderError(
                ReasonCode.TIMEOUT,
                f"kind did not finish within {result.duration:.0f} seconds and was stopped. "
                "Operator: check the Docker host's load, or raise PYK8S_CREATE_TIMEOUT_SECONDS "
                "/ PYK8S_DELETE_TIMEOUT_SECONDS.",
                tail,
            )
        for pattern, code, message in _DIAGNOSES:
            if pattern.search(result.output):
                return ProviderError(code, message, tail)
        return ProviderError(
            ReasonCode.CREATE_FAILED,
            f"kind failed (exit code {result.exit_code}); see the provisioning log.",
            tail,
        )

    def _remove_leftovers(self, runtime_name: str, on_line: OnLine) -> None:
        """A failed or killed create may leave node containers behind: remove them now; if
        that fails too, the reconciler removes them as orphans later."""
        try:
            self.delete(runtime_name, on_line=on_line)
        except ProviderError as exc:
            logger.warning(
                "cleanup after failed create failed",
                extra={"runtime_name": runtime_name, "reason_code": exc.code},
            )

    def _free_port(self) -> int:
        """A random port for the API server that nothing on this host listens on yet."""
        for _ in range(50):
            port = API_PORT_RANGE[0] + secrets.randbelow(API_PORT_RANGE[1] - API_PORT_RANGE[0])
            with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
                try:
                    probe.bind((self.api_server_address, port))
                except OSError:
                    continue
                return port
        return API_PORT_RANGE[0] + secrets.randbelow(API_PORT_RANGE[1] - API_PORT_RANGE[0])
