"""1. Orchestration overhead: POST /clusters/ to the worker invoking kind, and kind exiting
to the owner's /ws receiving RUNNING, with a kind that creates instantly.

Baselines, same run: the fake kind's own start-up (spawn to its first instruction, which
the first half includes) and a bare channel-layer hop from this process to the same /ws
(the floor of the second half)."""

import subprocess
import time
import uuid
from pathlib import Path

import httpx
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from bench.harness import Figure, percentiles, product_env, running_stack, token, users
from bench.websocket_client import Listener, status_is
from clusters.models import Cluster
from pyk8s.realtime import user_group
from tests.fakes.fixtures import make_fake_kind

TARGETS = {"p50": 50.0, "p99": 250.0}


def run(work: Path, clusters: int) -> list[Figure]:
    fake = make_fake_kind(work / "fake-kind")
    (user,) = users(1, "orchestration")
    with running_stack(work / "logs") as stack:
        env = product_env(**fake.worker_env, PYK8S_MAX_CONCURRENT_PROVISIONS=2)
        stack.start_worker("worker", **env)
        stack.start_web("web", **env)
        access = token(user)
        listener = Listener(stack.web_url, access)
        client = httpx.Client(
            base_url=stack.web_url, headers={"Authorization": f"Bearer {access}"}, timeout=30
        )
        try:
            posted, running = {}, {}
            for n in range(clusters):
                sent = time.time()
                response = client.post("/clusters/", json={"name": f"o{n}"})
                response.raise_for_status()
                cluster_id = response.json()["id"]
                posted[cluster_id] = sent
                running[cluster_id] = listener.arrival(status_is(cluster_id, "RUNNING"), 60)
            hop = _channel_layer_hops(listener, user.id, clusters)
        finally:
            listener.close()
            client.close()
    kind_runs = {run["cluster"]: run for run in fake.invocations("create cluster")}
    names = dict(Cluster.objects.values_list("id", "runtime_name"))
    to_kind, to_socket = [], []
    for cluster_id, sent in posted.items():
        kind = kind_runs[names[uuid.UUID(cluster_id)]]
        to_kind.append((kind["start"] - sent) * 1000)
        to_socket.append((running[cluster_id] - kind["end"]) * 1000)
    startup = _fake_kind_startup(fake.binary, 50)
    return [
        *_figures("POST -> kind invoked", to_kind, startup, "fake kind start-up"),
        *_figures("kind exit -> /ws RUNNING", to_socket, hop, "bare channel-layer hop to /ws"),
    ]


def _figures(
    name: str, samples: list[float], baseline: list[float], baseline_name: str
) -> list[Figure]:
    measured, floor = percentiles(samples), percentiles(baseline)
    return [
        Figure(
            name=f"{name} {p}",
            value=measured[p],
            unit="ms",
            baseline=floor[p],
            baseline_name=f"{baseline_name} {p}",
            target=f"{p} <= {TARGETS[p]:g} ms",
            met=measured[p] <= TARGETS[p],
            details={"measured": measured, "baseline": floor} if p == "p50" else {},
        )
        for p in ("p50", "p99")
    ]


def _channel_layer_hops(listener: Listener, user_id: int, count: int) -> list[float]:
    layer = get_channel_layer()
    assert layer is not None
    hops = []
    for n in range(count):
        marker = f"hop-{n}"
        sent = time.time()
        async_to_sync(layer.group_send)(
            user_group(user_id),
            {"type": "cluster.event", "event": {"type": "bench.hop", "marker": marker}},
        )
        arrived = listener.arrival(lambda event, m=marker: event.get("marker") == m, 10)
        hops.append((arrived - sent) * 1000)
    return hops


def _fake_kind_startup(binary: Path, count: int) -> list[float]:
    """Spawn to the fake's own start stamp, for `kind get clusters` run directly."""
    fake = make_fake_kind(binary.parent.parent.parent / "fake-kind-startup")
    samples = []
    for _ in range(count):
        spawned = time.time()
        subprocess.run([str(fake.binary), "get", "clusters"], capture_output=True, check=True)
        samples.append((fake.invocations()[-1]["start"] - spawned) * 1000)
    return samples
