"""Warm pool: POST /clusters/ to RUNNING on the owner's /ws when a pool cluster of the spec is
ready, next to the same figure without a pool, where kind takes 20 s to create (fewer
samples: each takes that long)."""

import time
from pathlib import Path

import httpx

from bench.harness import Figure, percentiles, product_env, running_stack, token, users, wait_for
from bench.websocket_client import Listener, status_is
from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus, WorkerHost
from tests.fakes.fixtures import make_fake_kind

SAMPLES = 20
COLD_SAMPLES = 5
COLD_CREATE_SECONDS = 20
TARGET_P99_MS = 1000.0


def run(work: Path) -> list[Figure]:
    fake = make_fake_kind(work / "fake-kind")
    (user,) = users(1, "warm-pool")
    access = token(user)
    pooled = product_env(
        **fake.worker_env,
        PYK8S_MAX_CONCURRENT_PROVISIONS=4,
        PYK8S_WARM_POOL=f"1.33.1:0={SAMPLES}",
    )
    with running_stack(work / "logs-pooled") as stack:
        stack.start_worker("bench-pooled", **pooled)
        stack.start_web("web", **pooled)
        ready = Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING)
        wait_for(lambda: ready.count() == SAMPLES, 120, "the warm pool to fill")
        # Refills now sleep in kind instead of competing with the claims for the CPUs.
        fake.set_create_delay(COLD_CREATE_SECONDS)
        warm = _post_and_wait(stack.web_url, access, [{"name": f"w{n}"} for n in range(SAMPLES)])
    fake.clear_faults()
    fake.set_create_delay(COLD_CREATE_SECONDS)
    # Another worker host (named after the worker), the first one drained: its unfinished
    # refills must not hold these slots, nor its silent queue get these creates.
    WorkerHost.objects.filter(name="bench-pooled").update(draining=True)
    cold_env = product_env(
        **fake.worker_env,
        PYK8S_MAX_CONCURRENT_PROVISIONS=COLD_SAMPLES,
    )
    with running_stack(work / "logs-cold") as stack:
        stack.start_worker("bench-cold", **cold_env)
        stack.start_web("web", **cold_env)
        cold = _post_and_wait(
            stack.web_url, access, [{"name": f"c{n}"} for n in range(COLD_SAMPLES)]
        )
    measured, floor = percentiles(warm), percentiles(cold)
    return [
        Figure(
            name=f"POST -> /ws RUNNING, warm pool {p}",
            value=measured[p],
            unit="ms",
            baseline=floor[p],
            baseline_name=f"without a pool, {COLD_CREATE_SECONDS} s create {p}",
            target=f"p99 <= {TARGET_P99_MS:g} ms",
            met=measured["p99"] <= TARGET_P99_MS,
            details={"measured": measured, "baseline": floor} if p == "p50" else {},
        )
        for p in ("p50", "p99")
    ]


def _post_and_wait(web_url: str, access: str, bodies: list[dict[str, str]]) -> list[float]:
    """Post every body at once (as fast as one client can), then wait for each RUNNING."""
    listener = Listener(web_url, access)
    client = httpx.Client(
        base_url=web_url, headers={"Authorization": f"Bearer {access}"}, timeout=30
    )
    try:
        posted = {}
        for body in bodies:
            sent = time.time()
            response = client.post("/clusters/", json=body)
            response.raise_for_status()
            posted[response.json()["id"]] = sent
        timeout = COLD_CREATE_SECONDS * 3
        return [
            (listener.arrival(status_is(cluster_id, "RUNNING"), timeout) - sent) * 1000
            for cluster_id, sent in posted.items()
        ]
    finally:
        listener.close()
        client.close()
