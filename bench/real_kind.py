"""Real kind on a real Docker engine, when `make kind-toolchain` has built it and the engine
answers (the Makefile passes it in as PYK8S_E2E_*, as for `make e2e-real`):

1. Overhead: `kind create cluster` run by hand, with the config, flags and network the worker
   gives it, against POST /clusters/ to RUNNING on the owner's /ws; p50 over CREATES each,
   taken in turns so that a drift in the machine's load hits both.
2. The warm pool on real clusters: POST to RUNNING on /ws, and POST to `kubectl get nodes`
   answering through the kubeconfig the API hands out; each claim from a full pool.
3. What a pool costs: the memory of an idle one-node cluster's node container.
"""

import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from bench.harness import Figure, percentiles, product_env, running_stack, token, users, wait_for
from bench.websocket_client import Listener, status_is
from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus, WorkerHost
from clusters.providers.base import ClusterSpec
from clusters.providers.kind import KindProvider

KIND = os.environ.get("PYK8S_E2E_KIND_BINARY", "")
KUBECTL = os.environ.get("PYK8S_E2E_KUBECTL", "")
NODE_IMAGE = os.environ.get("PYK8S_E2E_NODE_IMAGE", "")
VERSION = NODE_IMAGE.rpartition(":v")[2]
CREATES = 3
CLAIMS = 3
IDLE_SECONDS = 60
CREATE_SECONDS = 600
# Not the e2e tests' prefix: a reconciler of theirs must never take these for orphans.
PREFIX = "pb-"


def run(work: Path) -> list[Figure]:
    if missing := _missing():
        return [Figure(name=f"real kind: not run, {missing}", value=0, unit="")]
    work.mkdir(parents=True, exist_ok=True)
    _remove_leftovers()  # of an interrupted run
    (user,) = users(1, "real-kind")
    access = token(user)
    env = product_env(
        PYK8S_KIND_BINARY=KIND,
        PYK8S_KUBERNETES_VERSIONS=VERSION,
        PYK8S_KIND_NODE_IMAGES=f"{VERSION}={NODE_IMAGE}",
        PYK8S_RUNTIME_NAME_PREFIX=PREFIX,
        PYK8S_CREATE_TIMEOUT_SECONDS=CREATE_SECONDS,
        PYK8S_MAX_CONCURRENT_PROVISIONS=1,
    )
    by_hand, through_product = [], []
    with running_stack(work / "logs") as stack:
        stack.start_worker("bench-real", **env)
        stack.start_web("web", **env)
        with _Client(stack.web_url, access) as client:
            for n in range(CREATES):
                by_hand.append(_create_by_hand())
                cluster_id, seconds = client.create({"name": f"real{n}"})
                through_product.append(seconds)
                client.delete(cluster_id)
    WorkerHost.objects.filter(name="bench-real").update(draining=True)
    claims, answering, idle_mib = _warm_pool(work, access, env)
    hand, product = percentiles(by_hand), percentiles(through_product)
    warm, kubectl = percentiles(claims), percentiles(answering)
    return [
        Figure(
            name="real kind: POST -> /ws RUNNING p50",
            value=product["p50"],
            unit="s",
            baseline=hand["p50"],
            baseline_name="`kind create cluster` by hand p50",
            details={"measured": product, "baseline": hand},
        ),
        Figure(
            name="real kind: warm-pool claim, POST -> /ws RUNNING p99",
            value=warm["p99"] * 1000,
            unit="ms",
            baseline=hand["p50"] * 1000,
            baseline_name="`kind create cluster` by hand p50",
            details={"measured": warm},
        ),
        Figure(
            name="real kind: warm-pool claim, POST -> `kubectl get nodes` answers p99",
            value=kubectl["p99"],
            unit="s",
            baseline=hand["p50"],
            baseline_name="`kind create cluster` by hand p50",
            details={"measured": kubectl},
        ),
        Figure(
            name=f"real kind: idle one-node cluster's memory after {IDLE_SECONDS} s",
            value=idle_mib,
            unit="MiB",
        ),
    ]


def _missing() -> str:
    if not (KIND and KUBECTL and NODE_IMAGE):
        return "no toolchain (`make kind-toolchain`, then `make bench` with dockerd running)"
    if not shutil.which("docker"):
        return "no docker CLI"
    if subprocess.run(["docker", "image", "inspect", NODE_IMAGE], capture_output=True).returncode:
        return f"no {NODE_IMAGE} on the engine"
    return ""


def _provider() -> KindProvider:
    """Our provider on the real kind: the config, flags and network the worker would use."""
    return KindProvider(
        binary=KIND,
        docker_binary="docker",
        network_prefix=PREFIX,
        api_server_address="127.0.0.1",
        public_host="",
        node_images={VERSION: NODE_IMAGE},
        create_timeout=CREATE_SECONDS,
        delete_timeout=CREATE_SECONDS,
    )


def _create_by_hand() -> float:
    """kind as the worker runs it (same config, flags and network), timed; then deleted."""
    provider = _provider()
    name = f"{PREFIX}hand-{secrets.token_hex(3)}"
    spec = ClusterSpec(runtime_name=name, kubernetes_version=VERSION, workers=0)
    with tempfile.TemporaryDirectory() as workdir:
        config = Path(workdir) / "config.yaml"
        config.write_text(yaml.safe_dump(provider.cluster_config(spec)))
        argv = [
            KIND, "create", "cluster", "--name", name, "--config", str(config),
            "--kubeconfig", str(Path(workdir) / "kubeconfig"), "--image", NODE_IMAGE,
            "--wait", f"{int(CREATE_SECONDS * 0.8)}s",
        ]  # fmt: skip
        started = time.monotonic()
        subprocess.run(
            argv,
            check=True,
            capture_output=True,
            env={**os.environ, "KIND_EXPERIMENTAL_DOCKER_NETWORK": name},
            timeout=CREATE_SECONDS,
        )
        seconds = time.monotonic() - started
    provider.delete(name, on_line=lambda line: None)
    return seconds


def _warm_pool(
    work: Path, access: str, env: dict[str, object]
) -> tuple[list[float], list[float], float]:
    pooled = {**env, "PYK8S_WARM_POOL": f"{VERSION}:0=1", "PYK8S_MAX_CONCURRENT_PROVISIONS": 1}
    ready = Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING)
    claims: list[float] = []
    answering: list[float] = []
    with running_stack(work / "logs-pooled") as stack:
        stack.start_worker("bench-real-pooled", **pooled)
        stack.start_web("web", **pooled)
        with _Client(stack.web_url, access) as client:
            for n in range(CLAIMS):
                wait_for(lambda: ready.count() == 1, CREATE_SECONDS, "a ready pool cluster")
                started = time.monotonic()
                cluster_id, seconds = client.create({"name": f"warm{n}"})
                claims.append(seconds)
                client.kubectl_answers(cluster_id)
                answering.append(time.monotonic() - started)
                if n < CLAIMS - 1:
                    client.delete(cluster_id)
            time.sleep(IDLE_SECONDS)
            idle_mib = _memory_mib(
                f"{Cluster.objects.get(id=cluster_id).runtime_name}-control-plane"
            )
            client.delete(cluster_id)
    _remove_leftovers()  # the pool's refill after the last claim
    return claims, answering, idle_mib


def _remove_leftovers() -> None:
    """Every cluster and network of ours on the engine, once no kind of ours runs any more
    (a kind whose worker was stopped runs on to its end)."""
    deadline = time.monotonic() + CREATE_SECONDS
    ours = ["pgrep", "-f", f"create cluster --name {PREFIX}"]
    while subprocess.run(ours, stdout=subprocess.DEVNULL).returncode == 0:
        if time.monotonic() > deadline:
            raise TimeoutError("a kind create of ours is still running")
        time.sleep(1)
    provider = _provider()
    for name in provider.list_clusters():
        if name.startswith(PREFIX):
            provider.delete(name, on_line=lambda line: None)
    for name in provider.list_networks():
        provider.delete_network(name)


def _memory_mib(container: str) -> float:
    usage = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{.MemUsage}}", container],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    amount, unit = re.match(r"\s*([\d.]+)\s*([KMG]i?B)", usage).groups()  # type: ignore[union-attr]
    return float(amount) * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}[unit]


class _Client:
    """The owner's REST client and /ws listener."""

    def __init__(self, web_url: str, access: str) -> None:
        self.http = httpx.Client(
            base_url=web_url, headers={"Authorization": f"Bearer {access}"}, timeout=30
        )
        self.listener = Listener(web_url, access)

    def __enter__(self) -> "_Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.listener.close()
        self.http.close()

    def create(self, body: dict[str, str]) -> tuple[str, float]:
        """POST; the cluster's id and the seconds until RUNNING reached the socket."""
        sent = time.time()
        response = self.http.post("/clusters/", json=body)
        response.raise_for_status()
        cluster_id: str = response.json()["id"]
        arrived = self.listener.arrival(status_is(cluster_id, "RUNNING"), CREATE_SECONDS)
        return cluster_id, arrived - sent

    def delete(self, cluster_id: str) -> None:
        self.http.delete(f"/clusters/{cluster_id}").raise_for_status()
        self.listener.arrival(status_is(cluster_id, "DELETED"), CREATE_SECONDS)

    def kubectl_answers(self, cluster_id: str) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig") as kubeconfig:
            response = self.http.get(f"/clusters/{cluster_id}/kubeconfig")
            response.raise_for_status()
            kubeconfig.write(response.text)
            kubeconfig.flush()
            argv = [
                KUBECTL,
                "--kubeconfig",
                kubeconfig.name,
                "get",
                "nodes",
                "--request-timeout=5s",
            ]
            wait_for(
                lambda: subprocess.run(argv, capture_output=True).returncode == 0,
                CREATE_SECONDS,
                "kubectl get nodes to answer",
            )
