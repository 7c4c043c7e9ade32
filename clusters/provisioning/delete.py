"""Delete: a cluster moves to DELETING at once, and the worker of its host removes it."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clusters.models import DELETABLE_STATUSES, Cluster, ClusterStatus
from clusters.providers import ProviderError, get_provider
from clusters.provisioning import placement
from clusters.provisioning.live_log import LiveLog
from clusters.provisioning.transitions import cluster_transition
from clusters.queue import CLUSTER_DELETE, send_after_commit

logger = logging.getLogger(__name__)


def cluster_request_delete(*, cluster: Cluster) -> Cluster:
    """Move the cluster to DELETING and queue the runtime deletion. Idempotent."""
    waited = (
        cluster.status == ClusterStatus.PROVISIONING and cluster.provisioning_started_at is None
    )
    with transaction.atomic():
        deleting = cluster_transition(
            cluster.id,
            where=Q(status__in=DELETABLE_STATUSES),
            status=ClusterStatus.DELETING,
            status_reason="",
            status_reason_code="",
            heartbeat_at=timezone.now(),
        )
        if deleting is None:
            return Cluster.objects.with_queue_position().get(id=cluster.id)
        send_after_commit(CLUSTER_DELETE, str(deleting.id), host=deleting.host)
        if waited and deleting.owner_id is not None:
            placement.waiting_moved_up(behind=deleting.created_at)
    return deleting


def cluster_delete(*, cluster_id: str) -> None:
    """Delete the runtime cluster of a DELETING row, then mark it DELETED. Safe to repeat:
    kind's delete succeeds for a missing cluster."""
    cluster = (
        Cluster.objects.select_related("host")
        .filter(id=cluster_id, status=ClusterStatus.DELETING)
        .first()
    )
    if cluster is None:
        return
    if cluster.host is not None and cluster.host.name != settings.PYK8S_WORKER_HOST:
        # Sent before routing by host existed, or by hand: kind here would "delete" it from
        # the wrong Docker host. The router sends it on to the right one.
        logger.warning("delete forwarded to its host", extra={"cluster_id": cluster.id})
        send_after_commit(CLUSTER_DELETE, str(cluster.id), host=cluster.host)
        return
    Cluster.objects.filter(id=cluster.id).update(heartbeat_at=timezone.now())
    try:
        with LiveLog(cluster, runner=None) as log:
            get_provider().delete(cluster.runtime_name, on_line=log.add)
    except ProviderError as exc:
        # Stays DELETING; the reconciler tries again once the heartbeat is stale.
        cluster_transition(
            cluster.id,
            where=Q(status=ClusterStatus.DELETING),
            status_reason=f"Deleting failed, will retry: {exc.message}",
            status_reason_code=exc.code,
        )
        return
    if cluster_transition(
        cluster.id,
        where=Q(status=ClusterStatus.DELETING),
        status=ClusterStatus.DELETED,
        kubeconfig_encrypted=None,  # nothing to protect once the cluster is gone
        deleted_at=timezone.now(),
        heartbeat_at=None,
    ):
        placement.cluster_dispatch_waiting()  # its host has room for one more
