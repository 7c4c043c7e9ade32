"""Cluster reads."""

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from accounts.models import User
from clusters import crypto
from clusters.models import (
    HELD_BY_HOST,
    IN_WARM_POOL,
    MAX_WORKERS,
    WAITING,
    Cluster,
    ClusterStatus,
    WorkerHost,
)
from pyk8s.errors import ApplicationError

logger = logging.getLogger(__name__)


def cluster_list(*, owner: User, status: str | None = None) -> QuerySet[Cluster]:
    """The owner's clusters, newest first; DELETED ones only when asked for by status.

    GET /clusters/ compiles this once and reuses the SQL for every owner (clusters.api.
    listing): nothing in it may change between requests but the owner, so no now()."""
    # Neither the ciphertext nor the provisioning log (up to 200 lines each) is listed, so
    # neither is read. "-id" keeps pages stable when two clusters share a created_at.
    clusters = Cluster.objects.filter(owner=owner).defer("kubeconfig_encrypted", "provisioning_log")
    clusters = with_queue_position(clusters).order_by("-created_at", "-id")
    if status:
        return clusters.filter(status=status)
    return clusters.exclude(status=ClusterStatus.DELETED)


def cluster_get(*, owner: User, cluster_id: str) -> Cluster:
    """The owner's cluster; anyone else's answers exactly like a missing one."""
    try:
        return with_queue_position(Cluster.objects.filter(owner=owner)).get(
            id=uuid.UUID(cluster_id)
        )
    except (Cluster.DoesNotExist, ValueError) as exc:
        raise ApplicationError("Cluster not found.", code="not_found", status_code=404) from exc


def cluster_log_lines(*, cluster: Cluster) -> list[str]:
    """What the worker kept of kind's output from the cluster's latest run (create or delete);
    the same lines went to the owner's sockets as they came."""
    return cluster.provisioning_log.splitlines()


def cluster_choices() -> dict[str, Any]:
    """What a create may ask for, as this deployment is configured."""
    return {
        "kubernetes_versions": settings.PYK8S_KUBERNETES_VERSIONS,
        "ttl_minutes": {
            "default": settings.PYK8S_TTL_DEFAULT_MINUTES,
            "min": settings.PYK8S_TTL_MIN_MINUTES,
            "max": settings.PYK8S_TTL_MAX_MINUTES,
        },
        "workers": {"min": 0, "max": MAX_WORKERS},
        "max_clusters_per_user": settings.PYK8S_MAX_CLUSTERS_PER_USER,
    }


def cluster_kubeconfig(*, cluster: Cluster) -> str:
    if cluster.status != ClusterStatus.RUNNING:
        raise ApplicationError(
            f"The kubeconfig is available once the cluster is RUNNING; it is {cluster.status}.",
            code="cluster_not_running",
            status_code=409,
        )
    if cluster.kubeconfig_encrypted is None:
        raise _unreadable(cluster, "no kubeconfig stored")
    try:
        return crypto.decrypt_kubeconfig(cluster.id, cluster.kubeconfig_encrypted)
    except crypto.KubeconfigDecryptionError as exc:
        raise _unreadable(cluster, str(exc)) from exc


def _unreadable(cluster: Cluster, reason: str) -> ApplicationError:
    # Nothing the user can repair: say so plainly, and leave the cause to the operators.
    logger.error("kubeconfig_unreadable", extra={"cluster_id": str(cluster.id), "reason": reason})
    return ApplicationError(
        "This cluster's kubeconfig cannot be read. Delete the cluster and create a new one.",
        code="kubeconfig_unreadable",
        status_code=409,
    )


def with_queue_position(clusters: QuerySet[Cluster]) -> QuerySet[Cluster]:
    """Annotate `queue_position`: how many users' clusters wait ahead of this one for a host
    with room (0 = next, whichever host frees up), or None when the cluster is not waiting.
    Warm-pool clusters always wait behind users' (provisioning.cluster_dispatch_waiting).
    One subquery, any list size."""
    ahead = (
        Cluster.objects.filter(WAITING, owner__isnull=False, created_at__lt=OuterRef("created_at"))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values("n")
    )
    return clusters.annotate(
        queue_position=Case(
            When(WAITING, then=Coalesce(Subquery(ahead), 0)),
            default=None,
            output_field=IntegerField(),
        )
    )


def cluster_with_queue_position(*, cluster_id: uuid.UUID | str) -> Cluster:
    return with_queue_position(Cluster.objects.filter(id=cluster_id)).get()


def warm_pool_counts(*, statuses: list[ClusterStatus]) -> dict[tuple[str, int], int]:
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


def warm_pool_activity(*, since: datetime) -> dict[tuple[str, int], PoolActivity]:
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


def hosts_live_since() -> datetime:
    """Hosts heard from since then are live; the others get no new clusters."""
    return timezone.now() - timedelta(seconds=settings.PYK8S_HOST_DEAD_SECONDS)


class HostLoad(TypedDict):
    clusters_held: int
    provisions_running: int


def with_host_load(
    hosts: QuerySet[WorkerHost],
) -> "QuerySet[WithAnnotations[WorkerHost, HostLoad]]":
    """Annotate `clusters_held` (clusters taking room on the host) and `provisions_running`
    (creates holding one of its slots)."""

    def count(condition: Q) -> Coalesce:
        per_host = (
            Cluster.objects.filter(condition, host=OuterRef("pk"))
            .order_by()
            .values("host")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(per_host), 0)

    return hosts.annotate(
        clusters_held=count(HELD_BY_HOST), provisions_running=count(Q(holds_slot=True))
    )
