"""Cluster writes that users ask for. Every state change is a conditional update
(provisioning.transitions), so two workers, two web replicas or a late duplicate message can
never both win or move a cluster backwards."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.registration import user_require_approved
from clusters import events, provisioning
from clusters.models import (
    EXTENDABLE_STATUSES,
    LIVE_STATUSES,
    WAITING,
    Cluster,
    new_runtime_name,
)
from clusters.provisioning import cluster_request_delete
from clusters.provisioning.transitions import cluster_transition
from clusters.queue import CLUSTERS_DISPATCH, send_after_commit
from pyk8s.errors import ApplicationError

__all__ = ["cluster_create", "cluster_extend", "cluster_request_delete"]


def cluster_create(
    *,
    owner: User,
    name: str,
    ttl_minutes: int | None = None,
    workers: int = 0,
    kubernetes_version: str | None = None,
    labels: dict[str, str] | None = None,
) -> Cluster:
    """Hand the owner a ready warm-pool cluster of this spec (RUNNING at once), or record a new
    cluster in PROVISIONING and queue its creation once committed.

    The owner's row is locked while the quota and the name are checked, so concurrent
    requests by one user are serialised: with a quota of 3, exactly 3 of 20 succeed.

    The request does no more than that: a worker places the new cluster (clusters_dispatch),
    so web requests never wait on the host rows that placement locks. Three queries (the lock,
    the counts, the insert; the name is checked by its unique constraint), and the cluster's
    JSON built once, for its event and for the response (clusters.representation).
    """
    # A cluster is root on its Docker host: no account staff have not approved gets one,
    # fresh or from the warm pool.
    user_require_approved(user=owner)
    ttl = timedelta(minutes=ttl_minutes or settings.PYK8S_TTL_DEFAULT_MINUTES)
    kubernetes_version = kubernetes_version or settings.PYK8S_KUBERNETES_VERSIONS[0]
    try:
        with transaction.atomic():
            held = _lock_and_count(owner=owner)
            if held["live"] >= settings.PYK8S_MAX_CLUSTERS_PER_USER:
                raise ApplicationError(
                    f"You already have {settings.PYK8S_MAX_CLUSTERS_PER_USER} clusters, the "
                    "most allowed. Delete one to create another.",
                    code="quota_exceeded",
                    status_code=409,
                )
            claimed = provisioning.warm_pool_claim(
                owner=owner,
                name=name,
                labels=labels or {},
                ttl=ttl,
                kubernetes_version=kubernetes_version,
                workers=workers,
            )
            if claimed is not None:
                return claimed
            cluster = Cluster.objects.create(
                owner=owner,
                name=name,
                labels=labels or {},
                runtime_name=new_runtime_name(),
                kubernetes_version=kubernetes_version,
                workers=workers,
                ttl_expires_at=timezone.now() + ttl,
            )
            # Every user's cluster waiting now was created before this one.
            cluster.queue_position = held["waiting"]  # type: ignore[attr-defined]
            events.cluster_changed(cluster)
            send_after_commit(CLUSTERS_DISPATCH, host=None)
    except IntegrityError as exc:  # the name is in use (cluster_name_unique_per_owner_...)
        raise _name_taken(name) from exc
    return cluster


def _lock_and_count(*, owner: User) -> dict[str, int]:
    """Lock the owner's row, then count their live clusters and every user's clusters waiting
    for a host. Two statements: one that waited for the lock would count from the snapshot it
    took before waiting, and miss what the request it waited for committed."""
    User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
    return Cluster.objects.filter(Q(owner=owner) | WAITING).aggregate(
        live=Count("id", filter=Q(owner=owner, status__in=LIVE_STATUSES)),
        waiting=Count("id", filter=WAITING & Q(owner__isnull=False)),
    )


def cluster_extend(*, cluster: Cluster, minutes: int) -> Cluster:
    """Push the TTL back by `minutes`, never past created_at + PYK8S_TTL_MAX_MINUTES."""
    if cluster.status not in EXTENDABLE_STATUSES:
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
    extended = cluster_transition(
        cluster.id,
        where=Q(status__in=EXTENDABLE_STATUSES, ttl_expires_at=cluster.ttl_expires_at),
        ttl_expires_at=new_expiry,
        expiry_warned_at=None,
    )
    if extended is None:
        raise ApplicationError(
            "The cluster changed while it was being extended; try again.",
            code="conflict",
            status_code=409,
        )
    return extended


def _name_taken(name: str) -> ApplicationError:
    return ApplicationError(
        f"You already have a cluster named {name!r}; choose another name.",
        field="name",
        code="name_taken",
    )
