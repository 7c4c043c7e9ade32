"""Reconciliation: the database is the intent, each host's runtime (`kind get clusters`) the
reality; this makes them agree, and takes over from creates and deletes whose worker died."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clusters import terminals
from clusters.models import (
    HELD_BY_HOST,
    Cluster,
    ClusterStatus,
    ReasonCode,
    RuntimeClusterSighting,
    WorkerHost,
)
from clusters.providers import Provider, ProviderError, get_provider
from clusters.providers.terminal import terminal_container_remove, terminal_containers
from clusters.provisioning import hosts, placement
from clusters.provisioning.transitions import cluster_transition, clusters_transition
from clusters.queue import CLUSTER_DELETE, CLUSTERS_RECONCILE_HOST, send_after_commit

logger = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    unreachable: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deletes_retried: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@dataclass
class HostReconcileReport:
    reachable_again: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    orphans_deleted: list[str] = field(default_factory=list)
    networks_deleted: list[str] = field(default_factory=list)
    terminals_removed: list[str] = field(default_factory=list)
    runtime_unavailable: bool = False


def clusters_reconcile() -> ReconcileReport:
    """Make the database (intent) and the runtimes (reality) agree. Level-triggered: it looks
    at the whole state each time, so a missed event is repaired on the next run.

    Run by beat on any worker, it does what the database alone can tell (silent hosts, creates
    and deletes whose worker died, the queue), then asks every live host to compare its own
    runtime with its rows (clusters_reconcile_host, on that host's queue).
    """
    report = ReconcileReport()
    _mark_unreachable(report)
    _recover_interrupted_creates(report)
    _retry_stuck_deletes(report)
    placement.cluster_dispatch_waiting()
    live = WorkerHost.objects.filter(last_seen_at__gte=hosts.hosts_live_since())
    for host in live.order_by("name"):
        send_after_commit(CLUSTERS_RECONCILE_HOST, host.name, host=host)
        report.hosts.append(host.name)
    return report


def clusters_reconcile_host(*, name: str) -> HostReconcileReport:
    """Compare this worker's Docker host (`kind get clusters` here) with the rows placed on
    it: clusters back from an outage, clusters gone, and runtime clusters nobody owns."""
    report = HostReconcileReport()
    host = WorkerHost.objects.filter(name=name).first()
    if host is None or name != settings.PYK8S_WORKER_HOST:
        # A listing of this Docker host says nothing about another one.
        logger.warning("reconcile for another host ignored", extra={"host": name})
        return report
    provider = get_provider()
    try:
        listed_at = timezone.now()
        runtime = set(provider.list_clusters())
    except ProviderError as exc:
        logger.warning("reconcile: runtime unavailable", extra={"reason_code": exc.code})
        report.runtime_unavailable = True
        return report
    _restore_reachable(host, runtime, report)
    _mark_disappeared(host, runtime, listed_at, report)
    _delete_orphans(host, runtime, provider, report)
    _delete_leftover_networks(host, runtime, provider, report)
    report.terminals_removed = terminal_leftovers_remove(host=host.name)
    return report


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.PYK8S_STALE_SECONDS)


def _mark_unreachable(report: ReconcileReport) -> None:
    """Running clusters of a silent host are shown as ERROR host_unreachable, their rows and
    kubeconfigs kept: the host's own reconcile brings them back when it returns."""
    stranded = Cluster.objects.filter(
        host__in=hosts.silent_hosts(), status=ClusterStatus.RUNNING
    ).values_list("id", flat=True)
    for cluster in clusters_transition(
        stranded,
        where=Q(status=ClusterStatus.RUNNING),
        status=ClusterStatus.ERROR,
        status_reason=(
            "Host unreachable: the Docker host running this cluster stopped answering. "
            "Nothing was deleted; the cluster comes back when its host does."
        ),
        status_reason_code=ReasonCode.HOST_UNREACHABLE,
    ):
        report.unreachable.append(cluster.runtime_name)
    if report.unreachable:
        logger.warning("clusters on silent hosts", extra={"count": len(report.unreachable)})


def _recover_interrupted_creates(report: ReconcileReport) -> None:
    """Creates whose worker went silent: queue them again for any host, or give up after the
    last attempt. Whatever the dead attempt left behind is deleted by the next attempt if it
    lands on the same host, or as an orphan by that host's reconcile."""
    silent = Cluster.objects.filter(holds_slot=True, heartbeat_at__lt=_stale_before())
    for cluster in silent:
        unchanged = Q(
            id=cluster.id, holds_slot=True, attempt=cluster.attempt, runner=cluster.runner
        )
        with transaction.atomic():
            if cluster.status != ClusterStatus.PROVISIONING:
                Cluster.objects.filter(unchanged).update(holds_slot=False, runner="")
            elif cluster.attempt < settings.PYK8S_CREATE_ATTEMPTS:
                if Cluster.objects.filter(unchanged).update(
                    host=None,
                    holds_slot=False,
                    runner="",
                    provisioning_started_at=None,
                    heartbeat_at=None,
                ):
                    report.requeued.append(cluster.runtime_name)
            elif cluster_transition(
                cluster.id,
                where=unchanged,
                status=ClusterStatus.ERROR,
                status_reason=(
                    f"Provisioning was interrupted {cluster.attempt} times (the worker "
                    "stopped); giving up. Delete the cluster and create it again."
                ),
                status_reason_code=ReasonCode.INTERRUPTED,
                holds_slot=False,
                runner="",
                heartbeat_at=None,
            ):
                report.failed.append(cluster.runtime_name)


def _retry_stuck_deletes(report: ReconcileReport) -> None:
    """Deletes of clusters on a silent host wait in its queue until it is back."""
    deadline = timezone.now() - timedelta(
        seconds=settings.PYK8S_DELETE_TIMEOUT_SECONDS + settings.PYK8S_STALE_SECONDS
    )
    stuck = (
        Cluster.objects.filter(status=ClusterStatus.DELETING, heartbeat_at__lt=deadline)
        .exclude(host__in=hosts.silent_hosts())
        .select_related("host")
    )
    for cluster in stuck:
        with transaction.atomic():
            if Cluster.objects.filter(
                id=cluster.id, status=ClusterStatus.DELETING, heartbeat_at=cluster.heartbeat_at
            ).update(heartbeat_at=timezone.now()):
                send_after_commit(CLUSTER_DELETE, str(cluster.id), host=cluster.host)
                report.deletes_retried.append(cluster.runtime_name)


DISAPPEARED_REASON = (
    "The cluster disappeared from its host (its containers were removed outside PyK8s-Lab). "
    "Delete it and create a new one."
)


def _restore_reachable(host: WorkerHost, runtime: set[str], report: HostReconcileReport) -> None:
    """Clusters marked unreachable while their host was silent: RUNNING again if they are
    still there, ERROR disappeared if not."""
    unreachable = Cluster.objects.filter(
        host=host, status=ClusterStatus.ERROR, status_reason_code=ReasonCode.HOST_UNREACHABLE
    )
    for cluster in unreachable:
        outcome: dict[str, object] = (
            {"status": ClusterStatus.RUNNING, "status_reason": "", "status_reason_code": ""}
            if cluster.runtime_name in runtime
            else {"status_reason": DISAPPEARED_REASON, "status_reason_code": ReasonCode.DISAPPEARED}
        )
        restored = cluster_transition(
            cluster.id,
            where=Q(status=ClusterStatus.ERROR, status_reason_code=ReasonCode.HOST_UNREACHABLE),
            **outcome,
        )
        if restored is None:
            continue
        if restored.status == ClusterStatus.RUNNING:
            report.reachable_again.append(restored.runtime_name)
        else:
            report.disappeared.append(restored.runtime_name)


def _mark_disappeared(
    host: WorkerHost, runtime: set[str], listed_at: datetime, report: HostReconcileReport
) -> None:
    # Only clusters already RUNNING when the runtime was listed can be missing from the list.
    running = Cluster.objects.filter(
        host=host, status=ClusterStatus.RUNNING, provisioned_at__lt=listed_at
    )
    for cluster in clusters_transition(
        running.exclude(runtime_name__in=runtime).values_list("id", flat=True),
        where=Q(status=ClusterStatus.RUNNING),
        status=ClusterStatus.ERROR,
        status_reason=DISAPPEARED_REASON,
        status_reason_code=ReasonCode.DISAPPEARED,
    ):
        report.disappeared.append(cluster.runtime_name)


def _delete_orphans(
    host: WorkerHost, runtime: set[str], provider: Provider, report: HostReconcileReport
) -> None:
    """Runtime clusters with our prefix and no row holding them on this host are deleted once
    they have been seen for PYK8S_ORPHAN_GRACE_SECONDS. Rows without a host (waiting, or
    from before hosts were tracked) protect their name everywhere. Clusters without our
    prefix are never touched."""
    ours = {name for name in runtime if name.startswith(settings.PYK8S_RUNTIME_NAME_PREFIX)}
    held = Cluster.objects.filter(HELD_BY_HOST, Q(host=host) | Q(host=None))
    orphans = ours - set(held.filter(runtime_name__in=ours).values_list("runtime_name", flat=True))
    sightings = RuntimeClusterSighting.objects.filter(host=host)
    sightings.exclude(runtime_name__in=orphans).delete()
    for name in orphans:
        RuntimeClusterSighting.objects.get_or_create(host=host, runtime_name=name)
    grace = timezone.now() - timedelta(seconds=settings.PYK8S_ORPHAN_GRACE_SECONDS)
    for sighting in sightings.filter(first_seen_at__lte=grace):
        try:
            provider.delete(sighting.runtime_name, on_line=lambda line: None)
        except ProviderError as exc:
            logger.warning(
                "orphan delete failed",
                extra={"runtime_name": sighting.runtime_name, "reason_code": exc.code},
            )
            continue
        sighting.delete()
        report.orphans_deleted.append(sighting.runtime_name)
        logger.info("orphan runtime cluster deleted", extra={"runtime_name": sighting.runtime_name})


def _delete_leftover_networks(
    host: WorkerHost, runtime: set[str], provider: Provider, report: HostReconcileReport
) -> None:
    """Cluster networks whose cluster is gone from the runtime and from every row on this host:
    left by a delete whose `docker network rm` failed, or by a worker that died mid-create.
    Docker refuses to remove a network still in use, so a race with a create costs nothing."""
    try:
        networks = set(provider.list_networks())
    except ProviderError as exc:
        logger.warning("reconcile: networks not listed", extra={"reason_code": exc.code})
        return
    held = Cluster.objects.filter(HELD_BY_HOST, Q(host=host) | Q(host=None))
    leftovers = networks - runtime
    leftovers -= set(held.filter(runtime_name__in=leftovers).values_list("runtime_name", flat=True))
    report.networks_deleted += [name for name in sorted(leftovers) if provider.delete_network(name)]


def terminal_leftovers_remove(*, host: str) -> list[str]:
    """Remove this host's terminal containers whose relay is gone (it died without cleaning
    up: a live relay renews its mark in Redis). Returns the names removed."""
    removed = []
    for name, relay_id in terminal_containers(host=host).items():
        if not terminals.relay_alive(relay_id) and terminal_container_remove(name):
            removed.append(name)
    if removed:
        logger.info("terminal leftovers removed", extra={"host": host, "containers": removed})
    return removed
