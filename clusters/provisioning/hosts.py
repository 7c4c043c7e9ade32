"""Docker hosts: each worker registers its own and proves it is alive; staff drain and retire
them."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clusters.models import Cluster, ClusterStatus, ReasonCode, WorkerHost
from clusters.provisioning import placement
from clusters.provisioning.transitions import clusters_transition

logger = logging.getLogger(__name__)


def hosts_live_since() -> datetime:
    """Hosts heard from since then are live; the others get no new clusters."""
    return timezone.now() - timedelta(seconds=settings.PYK8S_HOST_DEAD_SECONDS)


def silent_hosts() -> QuerySet[WorkerHost]:
    return WorkerHost.objects.exclude(last_seen_at__gte=hosts_live_since())


def worker_host_register(
    *,
    name: str,
    max_concurrent_provisions: int,
    max_clusters: int | None = None,
    public_host: str = "",
) -> WorkerHost:
    """Record a worker's Docker host with its capacity as configured now (max_clusters:
    PYK8S_HOST_MAX_CLUSTERS unless given). Staff's `draining` survives restarts."""
    host, _ = WorkerHost.objects.update_or_create(
        name=name,
        defaults={
            "max_concurrent_provisions": max_concurrent_provisions,
            "max_clusters": max_clusters or settings.PYK8S_HOST_MAX_CLUSTERS,
            "public_host": public_host,
            "last_seen_at": timezone.now(),
        },
    )
    return host


def worker_host_heartbeat(*, name: str) -> None:
    WorkerHost.objects.filter(name=name).update(last_seen_at=timezone.now())


def worker_hosts_set_draining(*, hosts: QuerySet[WorkerHost], draining: bool) -> int:
    """A draining host keeps its clusters and gets no new ones. Returns the hosts changed."""
    changed = hosts.exclude(draining=draining).update(draining=draining)
    if changed and not draining:
        placement.cluster_dispatch_waiting()  # the queue can move onto the reopened hosts
    return changed


def worker_hosts_retire(*, hosts: QuerySet[WorkerHost]) -> list[str]:
    """Forget the hosts gone for good: those silent for PYK8S_HOST_DEAD_SECONDS (live ones are
    left alone). Their clusters went with them, so each becomes DELETED, which frees its
    owner's quota, and the host leaves the list. Returns the names retired.

    Should such a host's worker start again, it registers anew, and its reconciler deletes
    the kind clusters it still holds: no cluster row owns them any more."""
    now = timezone.now()
    silent = Q(last_seen_at__lt=hosts_live_since()) | Q(last_seen_at=None)
    with transaction.atomic():
        retired = list(
            WorkerHost.objects.select_for_update()
            .filter(silent, id__in=hosts.values("id"))
            .order_by("name")  # the order every dispatcher locks them in
        )
        on_them = Cluster.objects.filter(host__in=retired)
        gone = clusters_transition(
            on_them.values_list("id", flat=True),
            where=~Q(status=ClusterStatus.DELETED),
            status=ClusterStatus.DELETED,
            status_reason="Its Docker host was retired by the operators: the cluster went with it.",
            status_reason_code=ReasonCode.HOST_RETIRED,
            kubeconfig_encrypted=None,
            holds_slot=False,
            runner="",
            heartbeat_at=None,
            deleted_at=now,
        )
        on_them.update(host=None)
        WorkerHost.objects.filter(id__in=[host.id for host in retired]).delete()
    if retired:
        logger.info(
            "hosts retired",
            extra={"hosts": [host.name for host in retired], "clusters_deleted": len(gone)},
        )
    return [host.name for host in retired]
