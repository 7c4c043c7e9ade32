"""The warm pool (PYK8S_WARM_POOL): clusters made ahead of any request, per spec (Kubernetes
version, workers), and handed, once, to the first user asking for that spec.

Pool clusters are made, placed and watched like any other, behind users' requests. A create
claims a ready one (`warm_pool_claim`); one that becomes ready while a user waits for its
spec goes to that user (`hand_to_a_waiting_user`); the refill replaces what went.
"""

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from clusters import crypto
from clusters.models import (
    IN_WARM_POOL,
    WAITING,
    Cluster,
    ClusterStatus,
    WorkerHost,
    new_runtime_name,
)
from clusters.provisioning import delete, hosts, placement
from clusters.provisioning.transitions import cluster_transition, locked_cluster_transition
from clusters.queue import WARM_POOL_REFILL, send_after_commit

logger = logging.getLogger(__name__)


def warm_pool_claim(
    *,
    owner: User,
    name: str,
    labels: dict[str, str],
    ttl: timedelta,
    kubernetes_version: str,
    workers: int,
) -> Cluster | None:
    """The oldest ready warm-pool cluster of this spec, now the owner's; None when there is none.

    SKIP LOCKED lets concurrent claims each take a different cluster rather than queue behind
    the same one. The row it locks still matches (PostgreSQL checks a row's newest version
    before locking it), and stays ours until commit: so one read and one update, no retry.
    """
    spec = (kubernetes_version, workers)
    if spec not in settings.PYK8S_WARM_POOL:
        return None
    oldest = (
        Cluster.objects.filter(
            IN_WARM_POOL,
            owner=None,
            status=ClusterStatus.RUNNING,
            kubernetes_version=kubernetes_version,
            workers=workers,
            # Not from a host gone silent, before the reconciler has marked its clusters.
            host__last_seen_at__gte=hosts.hosts_live_since(),
        )
        # Only the cluster row: locking the joined host row too would make every other
        # claim skip all of that host's pool clusters (and hold up dispatch).
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("host")
        .order_by("pooled_at")
        .first()
    )
    if oldest is None:
        _count_miss(*spec)
        return None
    now = timezone.now()
    # created_at too: for its owner the cluster is new, and its lifetime limit
    # (PYK8S_TTL_MAX_MINUTES) counts from the claim.
    claimed = locked_cluster_transition(
        oldest,
        owner=owner,
        name=name,
        labels=labels,
        claimed_at=now,
        created_at=now,
        ttl_expires_at=now + ttl,
        expiry_warned_at=None,
    )
    send_after_commit(WARM_POOL_REFILL, host=None)
    return claimed


def warm_pool_refill() -> list[Cluster]:
    """Make warm-pool clusters until every spec of PYK8S_WARM_POOL has its size ready or on the
    way, and queue them behind users' requests.

    Counted under the host-row locks that dispatch takes, so concurrent refills (beat, the
    task each claim sends, a worker starting) never overfill a pool. With no host at all,
    nothing is made: there is nowhere to put it.
    """
    if not settings.PYK8S_WARM_POOL:
        return []
    now = timezone.now()
    made = []
    with transaction.atomic():
        if not list(WorkerHost.objects.select_for_update().order_by("name").values_list("id")):
            return []
        have = counts(statuses=[ClusterStatus.PROVISIONING, ClusterStatus.RUNNING])
        for (version, workers), size in settings.PYK8S_WARM_POOL.items():
            for _ in range(size - have.get((version, workers), 0)):
                runtime_name = new_runtime_name()
                made.append(
                    Cluster.objects.create(
                        owner=None,
                        name=runtime_name,
                        runtime_name=runtime_name,
                        kubernetes_version=version,
                        workers=workers,
                        pooled_at=now,
                        # Expiry replaces it once it is too old to hand out.
                        ttl_expires_at=now
                        + timedelta(minutes=settings.PYK8S_WARM_POOL_MAX_AGE_MINUTES),
                    )
                )
    if made:
        logger.info("warm pool refilled", extra={"count": len(made)})
        placement.cluster_dispatch_waiting()
    return made


def warm_pool_maintain() -> list[Cluster]:
    """Delete the pool clusters that failed, vanished or lost their host, then refill. Those
    past PYK8S_WARM_POOL_MAX_AGE_MINUTES are expired like any other (cluster_expire_due)."""
    for cluster in Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.ERROR):
        delete.cluster_request_delete(cluster=cluster)
    return warm_pool_refill()


def hand_to_a_waiting_user(*, pool_cluster_id: uuid.UUID) -> Cluster | None:
    """A warm-pool cluster that has just become ready goes to the user's cluster that has
    waited longest for its spec, if one waits: that cluster takes over its runtime and is
    RUNNING at once, instead of waiting for a slot and then for kind. (A create claims only
    pool clusters ready at that moment.) The pool row, never anyone's, goes; the refill makes
    its replacement. Returns the user's cluster, now RUNNING."""
    with transaction.atomic():
        pool_cluster = (
            Cluster.objects.select_for_update()
            .filter(IN_WARM_POOL, id=pool_cluster_id, status=ClusterStatus.RUNNING)
            .first()
        )
        if pool_cluster is None or pool_cluster.kubeconfig_encrypted is None:
            return None  # claimed by a create meanwhile (a ready one has its kubeconfig)
        waiting = (
            Cluster.objects.select_for_update(skip_locked=True)
            .filter(
                WAITING,
                owner__isnull=False,
                kubernetes_version=pool_cluster.kubernetes_version,
                workers=pool_cluster.workers,
            )
            .order_by("created_at")
            .first()
        )
        if waiting is None:
            return None
        try:
            kubeconfig = crypto.decrypt_kubeconfig(
                pool_cluster.id, pool_cluster.kubeconfig_encrypted
            )
        except crypto.KubeconfigDecryptionError:
            return None  # nobody could use it: it stays in the pool until it expires
        pool_cluster.delete()  # first: the runtime name is unique
        now = timezone.now()
        handed = cluster_transition(
            waiting.id,
            status=ClusterStatus.RUNNING,
            host_id=pool_cluster.host_id,
            runtime_name=pool_cluster.runtime_name,
            kubeconfig_encrypted=crypto.encrypt_kubeconfig(waiting.id, kubeconfig),
            provisioning_log=pool_cluster.provisioning_log,
            provisioning_started_at=pool_cluster.provisioning_started_at,
            provisioned_at=pool_cluster.provisioned_at,
            # Counted as a claim in the pool's figures (activity).
            pooled_at=pool_cluster.pooled_at,
            claimed_at=now,
        )
        send_after_commit(WARM_POOL_REFILL, host=None)
    logger.info(
        "pool cluster handed to a waiting cluster",
        extra={"cluster_id": waiting.id, "runtime_name": pool_cluster.runtime_name},
    )
    placement.waiting_moved_up(behind=waiting.created_at)
    return handed


def make_room_for_users(full: list[WorkerHost]) -> None:
    """Users go first for room too: while their clusters wait, ready warm-pool clusters on
    `full` hosts (which have a free slot but are full of clusters) are deleted, one per
    waiting cluster (counting those already on their way out). The refill makes new ones,
    which wait behind users."""
    if not full:
        return
    users_waiting = Cluster.objects.filter(WAITING, owner__isnull=False).count()
    leaving = Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.DELETING).count()
    idle = Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING, host__in=full)
    for cluster in idle.order_by("pooled_at")[: max(0, users_waiting - leaving)]:
        delete.cluster_request_delete(cluster=cluster)
        logger.info("pool cluster deleted to make room", extra={"cluster_id": cluster.id})


def counts(*, statuses: list[ClusterStatus]) -> dict[tuple[str, int], int]:
    """Unclaimed warm-pool clusters in these statuses, per (Kubernetes version, workers)."""
    rows = (
        Cluster.objects.filter(IN_WARM_POOL, status__in=statuses)
        .order_by()
        .values("kubernetes_version", "workers")
        .annotate(n=Count("id"))
    )
    return {(row["kubernetes_version"], row["workers"]): row["n"] for row in rows}


class PoolActivity(TypedDict):
    claims: int
    misses: int
    refill_seconds: list[float]


def activity(*, since: datetime) -> dict[tuple[str, int], PoolActivity]:
    """Per (Kubernetes version, workers), since then: the pool clusters claimed, the creates
    that found none ready (misses: provisioned for their owner instead) and how long each
    pool cluster made took to be ready (refill). Read from the rows, so every process
    agrees, unlike per-process counters."""
    activity: dict[tuple[str, int], PoolActivity] = defaultdict(
        lambda: {"claims": 0, "misses": 0, "refill_seconds": []}
    )
    rows = Cluster.objects.filter(
        Q(claimed_at__gte=since)
        | Q(pooled_at=None, owner__isnull=False, created_at__gte=since)
        | Q(pooled_at__isnull=False, provisioned_at__gte=since)
    ).values_list("kubernetes_version", "workers", "pooled_at", "claimed_at", "provisioned_at")
    for version, workers, pooled_at, claimed_at, provisioned_at in rows:
        spec = activity[(version, workers)]
        if pooled_at is None:
            spec["misses"] += 1
            continue
        if claimed_at is not None and claimed_at >= since:
            spec["claims"] += 1
        if provisioned_at is not None and provisioned_at >= since:
            spec["refill_seconds"].append((provisioned_at - pooled_at).total_seconds())
    return activity


def misses() -> dict[tuple[str, int], int]:
    """Creates of each pooled spec that found no ready cluster, ever (pyk8s_warm_pool_misses)."""
    counted = cache.get_many([_misses_key(*spec) for spec in settings.PYK8S_WARM_POOL])
    return {spec: counted.get(_misses_key(*spec), 0) for spec in settings.PYK8S_WARM_POOL}


def _count_miss(kubernetes_version: str, workers: int) -> None:
    # In Redis: shared by every web process, unlike a counter in this one.
    key = _misses_key(kubernetes_version, workers)
    cache.add(key, 0, timeout=None)
    cache.incr(key)


def _misses_key(kubernetes_version: str, workers: int) -> str:
    return f"warm_pool_misses:{kubernetes_version}:{workers}"
