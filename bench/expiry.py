"""5. Expiry at scale: 100,000 cluster rows of which 1,000 are expired; one expiry pass
claims them all (deletes queued to the broker, events published; kind is not run), and the
claim's query plan uses the ttl_expires_at index.

The other rows are what a running service accumulates: a few live clusters expiring
later, and mostly DELETED history, whose TTLs are all in the past.

Baseline, same run: the claim's SELECT ... FOR UPDATE SKIP LOCKED alone."""

import re
import time
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from bench.harness import Figure, users
from clusters.models import Cluster, ClusterStatus
from clusters.provisioning import cluster_expire_due

TARGET_SECONDS = 2.0
BATCH = 10_000
OWNERS = 1_000
LIVE_SHARE = 10  # one row in ten is a live cluster, the rest history


def run(work: Path, rows: int, expired: int) -> list[Figure]:
    _fill(rows, expired)
    claim = _claim_query()
    with transaction.atomic():
        plan = claim.explain()
        started = time.perf_counter()
        assert len(list(claim)) == expired
        bare = time.perf_counter() - started
        transaction.set_rollback(True)
    started = time.perf_counter()
    claimed = cluster_expire_due()
    elapsed = time.perf_counter() - started
    # The ttl_expires_at index must be what finds the rows, not a filter applied after.
    scanned = re.findall(r"Index (?:Only )?Scan (?:using|on) (\S+)", plan)
    ttl_indexes = {
        index.name for index in Cluster._meta.indexes if index.fields == ["ttl_expires_at"]
    }
    uses_index = bool(ttl_indexes & set(scanned))
    return [
        Figure(
            name=f"expiry pass: {expired} of {rows} rows claimed",
            value=elapsed,
            unit="s",
            baseline=bare,
            baseline_name="the claim SELECT alone",
            target=f"<= {TARGET_SECONDS:g} s, index used",
            met=elapsed <= TARGET_SECONDS and uses_index and len(claimed) == expired,
            details={"claimed": len(claimed), "plan": plan, "indexes_scanned": scanned},
        )
    ]


def _claim_query():
    # The same filter as cluster_expire_due's claim.
    expirable = [ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.ERROR]
    return (
        Cluster.objects.select_for_update(skip_locked=True)
        .filter(ttl_expires_at__lte=timezone.now(), status__in=expirable)
        .order_by()
        .values_list("id", flat=True)
    )


def _fill(rows: int, expired: int) -> None:
    owners = users(OWNERS, "expiry")
    now = timezone.now()
    for start in range(0, rows, BATCH):
        Cluster.objects.bulk_create(
            [_row(n, expired, owners, now) for n in range(start, min(start + BATCH, rows))]
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clusters_cluster")


def _row(n: int, expired: int, owners: list, now) -> Cluster:
    if n < expired:
        status, ttl = ClusterStatus.RUNNING, now - timedelta(seconds=n % 3600 + 1)
    elif n % LIVE_SHARE == 0:
        status, ttl = ClusterStatus.RUNNING, now + timedelta(seconds=60 + n % 28_800)
    else:
        status, ttl = ClusterStatus.DELETED, now - timedelta(hours=1, seconds=n)
    return Cluster(
        owner=owners[n % OWNERS],
        name=f"e{n}",
        runtime_name=f"pk-{n:012x}",
        status=status,
        kubernetes_version="1.33.1",
        ttl_expires_at=ttl,
    )
