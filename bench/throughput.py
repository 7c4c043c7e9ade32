"""2. Provisioning throughput: a burst of creates, kind taking 1 s each, at several host
concurrencies; time until all are RUNNING against the ideal (creates x 1 s / concurrency).

The fake kind takes a little more than its 1 s (its own start-up and state files), so the
same ratio is also given against the ideal computed from kind's own measured durations."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.harness import Figure, product_env, running_stack, token, users, wait_for
from clusters.models import Cluster, ClusterStatus, WorkerHost
from tests.fakes.fixtures import make_fake_kind

KIND_SECONDS = 1.0
TARGET = 1.15
SENDERS = 8


def run(work: Path, creates: int, concurrencies: list[int]) -> list[Figure]:
    return [_one_burst(work / f"c{n}", creates, n) for n in concurrencies]


def _one_burst(work: Path, creates: int, concurrency: int) -> Figure:
    Cluster.objects.all().delete()
    WorkerHost.objects.all().delete()
    fake = make_fake_kind(work / "fake-kind")
    fake.set_create_delay(KIND_SECONDS)
    (user,) = users(1, f"throughput-{concurrency}")
    with running_stack(work / "logs") as stack:
        env = product_env(**fake.worker_env, PYK8S_MAX_CONCURRENT_PROVISIONS=concurrency)
        stack.start_worker("worker", **env)
        stack.start_web("web", **env)
        headers = {"Authorization": f"Bearer {token(user)}"}
        with httpx.Client(base_url=stack.web_url, headers=headers, timeout=60) as client:

            def create(n: int) -> None:
                client.post("/clusters/", json={"name": f"t{n}"}).raise_for_status()

            started = time.monotonic()
            with ThreadPoolExecutor(SENDERS) as senders:
                list(senders.map(create, range(creates)))
            wait_for(
                lambda: Cluster.objects.filter(status=ClusterStatus.RUNNING).count() == creates,
                timeout=creates * KIND_SECONDS * 3 / concurrency + 60,
                what="every cluster to be RUNNING",
            )
            elapsed = time.monotonic() - started
    failed = Cluster.objects.exclude(status=ClusterStatus.RUNNING).count()
    runs = fake.invocations("create cluster")
    kind_busy = sum(run["end"] - run["start"] for run in runs)
    ideal = creates * KIND_SECONDS / concurrency
    measured_ideal = kind_busy / concurrency
    return Figure(
        name=f"burst of {creates}, concurrency {concurrency}: all RUNNING",
        value=elapsed,
        unit="s",
        baseline=ideal,
        baseline_name=f"ideal {creates} x {KIND_SECONDS:g} s / {concurrency}",
        target=f"ratio <= {TARGET}",
        met=elapsed / ideal <= TARGET and failed == 0,
        details={
            "ratio_to_ideal": elapsed / ideal,
            "ideal_from_kind_durations_s": measured_ideal,
            "ratio_to_ideal_from_kind_durations": elapsed / measured_ideal,
            "mean_kind_create_s": kind_busy / len(runs),
            "max_concurrent_kind": fake.max_concurrent("create cluster"),
            "not_running": failed,
        },
    )
