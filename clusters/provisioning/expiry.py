"""Expiry: clusters past their time to live are deleted, and owners warned before."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from clusters import events
from clusters.models import DELETABLE_STATUSES, WAITING, Cluster, ClusterStatus, ReasonCode
from clusters.provisioning import placement
from clusters.provisioning.transitions import clusters_transition
from clusters.queue import CLUSTER_DELETE, send_after_commit

logger = logging.getLogger(__name__)


def cluster_expire_due() -> list[uuid.UUID]:
    """Move every cluster past its TTL to DELETING and queue its deletion.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED and a conditional update, so
    concurrent expiry runs (several beats, a manual run) each claim a cluster at most once.
    """
    now = timezone.now()
    with transaction.atomic():
        due = (
            Cluster.objects.select_for_update(skip_locked=True)
            .filter(ttl_expires_at__lte=now, status__in=DELETABLE_STATUSES)
            .order_by()  # no sort: the claim walks the cluster_expirable index
        )
        ids = list(due.values_list("id", flat=True))
        first_waiting = (
            Cluster.objects.filter(WAITING, id__in=ids, owner__isnull=False).aggregate(
                Min("created_at")
            )["created_at__min"]
            if ids
            else None
        )
        expired = clusters_transition(
            ids,
            where=Q(status__in=DELETABLE_STATUSES, ttl_expires_at__lte=now),
            status=ClusterStatus.DELETING,
            status_reason="Expired: its time to live ended.",
            status_reason_code=ReasonCode.EXPIRED,
            heartbeat_at=now,
        )
        for cluster in expired:
            send_after_commit(CLUSTER_DELETE, str(cluster.id), host=cluster.host)
        if first_waiting is not None:  # expired while it waited: those behind it moved up
            placement.waiting_moved_up(behind=first_waiting)
    if expired:
        logger.info("clusters expired", extra={"count": len(expired)})
    return [cluster.id for cluster in expired]


def cluster_warn_expiring() -> int:
    """Tell owners, once per cluster, that it expires within PYK8S_EXPIRY_WARNING_MINUTES."""
    now = timezone.now()
    soon = now + timedelta(minutes=settings.PYK8S_EXPIRY_WARNING_MINUTES)
    candidates = Cluster.objects.filter(
        status=ClusterStatus.RUNNING,
        owner__isnull=False,
        expiry_warned_at=None,
        ttl_expires_at__gt=now,
        ttl_expires_at__lte=soon,
    )
    warned = 0
    for cluster in candidates:
        with transaction.atomic():
            if Cluster.objects.filter(id=cluster.id, expiry_warned_at=None).update(
                expiry_warned_at=now
            ):
                minutes_left = max(1, round((cluster.ttl_expires_at - now).total_seconds() / 60))
                events.cluster_expiring(cluster, minutes_left)
                warned += 1
    return warned
