"""Cluster writes. Every status change is a conditional update, so two workers, two web
replicas or a late duplicate message can never both win or move a cluster backwards."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from clusters import events, metrics, provisioning, selectors, tasks
from clusters.models import IN_WARM_POOL, LIVE_STATUSES, Cluster, ClusterStatus
from pyk8s.errors import ApplicationError


def cluster_create(
    *,
    owner: User,
    name: str,
    ttl_minutes: int | None = None,
    workers: int = 0,
    kubernetes_version: str | None = None,
) -> Cluster:
    """Hand the owner a ready warm-pool cluster of this spec (RUNNING at once), or record a new
    cluster in PROVISIONING and queue its creation once committed.

    The owner's row is locked while the quota and the name are checked, so concurrent
    requests by one user are serialised: with a quota of 3, exactly 3 of 20 succeed.
    """
    ttl = timedelta(minutes=ttl_minutes or settings.PYK8S_TTL_DEFAULT_MINUTES)
    kubernetes_version = kubernetes_version or settings.PYK8S_KUBERNETES_VERSIONS[0]
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=owner.pk).first()
            held = Cluster.objects.filter(owner=owner).aggregate(
                live=Count("id", filter=Q(status__in=LIVE_STATUSES)),
                same_name=Count("id", filter=Q(name=name) & ~Q(status=ClusterStatus.DELETED)),
            )
            if held["live"] >= settings.PYK8S_MAX_CLUSTERS_PER_USER:
                raise ApplicationError(
                    f"You already have {settings.PYK8S_MAX_CLUSTERS_PER_USER} clusters, the "
                    "most allowed. Delete one to create another.",
                    code="quota_exceeded",
                    status_code=409,
                )
            if held["same_name"]:
                raise _name_taken(name)
            cluster = _warm_pool_claim(
                owner=owner,
                name=name,
                ttl=ttl,
                kubernetes_version=kubernetes_version,
                workers=workers,
            ) or Cluster.objects.create(
                owner=owner,
                name=name,
                runtime_name=new_runtime_name(),
                kubernetes_version=kubernetes_version,
                workers=workers,
                ttl_expires_at=timezone.now() + ttl,
            )
            # Published first: the dispatch after the commit may place it at once and
            # publish that, and events go out in the order their commit hooks were added.
            events.cluster_changed(cluster)
            if cluster.claimed_at is None:
                transaction.on_commit(provisioning.cluster_dispatch_waiting, robust=True)
            else:
                transaction.on_commit(tasks.warm_pool_refill.delay, robust=True)
    except IntegrityError as exc:  # a concurrent request took the name first
        raise _name_taken(name) from exc
    return cluster


def _warm_pool_claim(
    *, owner: User, name: str, ttl: timedelta, kubernetes_version: str, workers: int
) -> Cluster | None:
    """The oldest ready warm-pool cluster of this spec, now the owner's; None when there is none.

    SKIP LOCKED lets concurrent claims each take a different cluster rather than queue behind
    the same one; the conditional update makes a cluster claimed at most once whatever the
    locking, and a lost race tries the next one.
    """
    spec = (kubernetes_version, workers)
    if spec not in settings.PYK8S_WARM_POOL:
        return None
    ready = Cluster.objects.filter(
        IN_WARM_POOL,
        owner=None,
        status=ClusterStatus.RUNNING,
        kubernetes_version=kubernetes_version,
        workers=workers,
        # Not from a host gone silent, before the reconciler has marked its clusters.
        host__last_seen_at__gte=selectors.hosts_live_since(),
    )
    for _ in range(settings.PYK8S_WARM_POOL[spec]):
        oldest = (
            # Only the cluster row: locking the joined host row too would make every other
            # claim skip all of that host's pool clusters (and hold up dispatch).
            ready.select_for_update(skip_locked=True, of=("self",))
            .order_by("pooled_at")
            .values_list("id", flat=True)
            .first()
        )
        if oldest is None:
            break
        now = timezone.now()
        # created_at too: for its owner the cluster is new, and its lifetime limit
        # (PYK8S_TTL_MAX_MINUTES) counts from the claim.
        if ready.filter(id=oldest).update(
            owner=owner,
            name=name,
            claimed_at=now,
            created_at=now,
            ttl_expires_at=now + ttl,
            expiry_warned_at=None,
            updated_at=now,
        ):
            return Cluster.objects.get(id=oldest)
    metrics.warm_pool_miss(*spec)
    return None


def cluster_request_delete(*, cluster: Cluster) -> Cluster:
    """Move the cluster to DELETING and queue the runtime deletion. Idempotent."""
    waited = (
        cluster.status == ClusterStatus.PROVISIONING and cluster.provisioning_started_at is None
    )
    with transaction.atomic():
        moved = Cluster.objects.filter(
            id=cluster.id,
            status__in=[ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.ERROR],
        ).update(
            status=ClusterStatus.DELETING,
            status_reason="",
            status_reason_code="",
            heartbeat_at=timezone.now(),
            updated_at=timezone.now(),
        )
        cluster.refresh_from_db()
        if moved:
            transaction.on_commit(lambda: tasks.cluster_delete.delay(str(cluster.id)), robust=True)
            events.cluster_changed(cluster)
            if waited and cluster.owner_id is not None:
                provisioning.waiting_moved_up(behind=cluster.created_at)
    return cluster


def cluster_extend(*, cluster: Cluster, minutes: int) -> Cluster:
    """Push the TTL back by `minutes`, never past created_at + PYK8S_TTL_MAX_MINUTES."""
    if cluster.status not in (ClusterStatus.PROVISIONING, ClusterStatus.RUNNING):
        raise ApplicationError(
            "Only a PROVISIONING or RUNNING cluster can be extended; "
            f"this one is {cluster.status}.",
            code="cluster_not_running",
            status_code=409,
        )
    limit = cluster.created_at + timedelta(minutes=settings.PYK8S_TTL_MAX_MINUTES)
    base = max(cluster.ttl_expires_at, timezone.now())
    new_expiry = base + timedelta(minutes=minutes)
    if new_expiry > limit:
        left = max(0, int((limit - base).total_seconds() // 60))
        raise ApplicationError(
            f"A cluster may live at most {settings.PYK8S_TTL_MAX_MINUTES} minutes; "
            f"this one can be extended by {left} more minutes at most.",
            field="minutes",
            code="ttl_limit",
        )
    updated = Cluster.objects.filter(
        id=cluster.id,
        status__in=[ClusterStatus.PROVISIONING, ClusterStatus.RUNNING],
        ttl_expires_at=cluster.ttl_expires_at,
    ).update(ttl_expires_at=new_expiry, expiry_warned_at=None, updated_at=timezone.now())
    if not updated:
        raise ApplicationError(
            "The cluster changed while it was being extended; try again.",
            code="conflict",
            status_code=409,
        )
    cluster.refresh_from_db()
    events.cluster_changed(cluster)
    return cluster


def new_runtime_name() -> str:
    return f"{settings.PYK8S_RUNTIME_NAME_PREFIX}{secrets.token_hex(6)}"


def _name_taken(name: str) -> ApplicationError:
    return ApplicationError(
        f"You already have a cluster named {name!r}; choose another name.",
        field="name",
        code="name_taken",
    )
