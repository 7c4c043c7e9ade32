"""The provisioning engine: services run by the Celery worker (and beat) that turn cluster
rows into runtime clusters and back, and keep the two in agreement.

Rules that hold everywhere here:
- every status change is a conditional update, so a duplicated or late task message, a
  second worker or a second beat can never move a cluster backwards or act on it twice;
- a create runs only after `cluster_dispatch_waiting` gave it one of the host's slots
  (`holds_slot`), so at most `max_concurrent_provisions` kind creates run per host;
- a running create or delete proves it is alive with `heartbeat_at`; the reconciler takes
  over clusters whose worker went silent.
"""

import logging
import os
import socket
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clusters import crypto, events, selectors, tasks
from clusters.models import (
    LIVE_STATUSES,
    Cluster,
    ClusterStatus,
    ReasonCode,
    RuntimeClusterSighting,
    WorkerHost,
)
from clusters.providers import ClusterSpec, Provider, ProviderError, get_provider

logger = logging.getLogger(__name__)

LOG_LINES_KEPT = 200
LOG_FLUSH_SECONDS = 0.2


# --- Hosts and slots -------------------------------------------------------------------------


def worker_host_register(*, name: str, max_concurrent_provisions: int) -> WorkerHost:
    host, _ = WorkerHost.objects.update_or_create(
        name=name,
        defaults={
            "max_concurrent_provisions": max_concurrent_provisions,
            "last_seen_at": timezone.now(),
        },
    )
    return host


def cluster_dispatch_waiting() -> list[Cluster]:
    """Give the host's free provisioning slots to the longest-waiting clusters.

    Called after every create request, after every finished create and by the reconciler.
    The host row is locked while slots are counted, so concurrent dispatchers (web
    processes, workers) never hand out more slots than the host has.
    """
    with transaction.atomic():
        host = WorkerHost.objects.select_for_update().order_by("-last_seen_at").first()
        if host is None:
            return []  # no worker has registered yet: clusters wait, with their position
        free = host.max_concurrent_provisions - Cluster.objects.filter(holds_slot=True).count()
        if free <= 0:
            return []
        waiting = Cluster.objects.filter(
            status=ClusterStatus.PROVISIONING, provisioning_started_at=None
        ).order_by("created_at")
        ids = list(waiting.values_list("id", flat=True)[:free])
        if not ids:
            return []
        Cluster.objects.filter(id__in=ids, provisioning_started_at=None).update(
            provisioning_started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            holds_slot=True,
            attempt=F("attempt") + 1,
            runner="",
        )
        started = list(Cluster.objects.filter(id__in=ids).order_by("created_at"))
        for cluster in started:
            transaction.on_commit(
                lambda c=cluster: tasks.cluster_provision.delay(str(c.id), c.attempt)  # type: ignore[misc]
            )
            events.cluster_changed(cluster)
    # Everyone still waiting moved up the queue: tell them their new position.
    for cluster in selectors.with_queue_position(waiting):
        events.cluster_changed(cluster)
    return started


# --- Create ----------------------------------------------------------------------------------


def cluster_provision(*, cluster_id: str, attempt: int) -> None:
    """Run kind for one attempt of one cluster. A message for another attempt, or one whose
    attempt already has a runner (a redelivery), is dropped: the reconciler covers runs
    that died."""
    runner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    claimed = Cluster.objects.filter(
        id=cluster_id, status=ClusterStatus.PROVISIONING, attempt=attempt, runner=""
    ).update(runner=runner, heartbeat_at=timezone.now(), provisioning_log="")
    if not claimed:
        logger.info("provision message dropped", extra={"cluster_id": cluster_id})
        _release_slot_if_orphaned(cluster_id, attempt)
        return
    cluster = Cluster.objects.select_related("owner").get(id=cluster_id)
    provider = get_provider()
    spec = ClusterSpec(cluster.runtime_name, cluster.kubernetes_version, cluster.workers)
    try:
        with _LiveLog(cluster, runner) as log:
            if attempt > 1:  # an earlier attempt may have left a half-made cluster behind
                provider.delete(cluster.runtime_name, on_line=log.add)
            kubeconfig = provider.create(spec, on_line=log.add)
    except ProviderError as exc:
        _finish_failed_create(cluster, runner, exc)
    else:
        _finish_created(cluster, runner, kubeconfig, provider)
    finally:
        cluster_dispatch_waiting()


def _finish_created(cluster: Cluster, runner: str, kubeconfig: str, provider: Provider) -> None:
    with transaction.atomic():
        became_running = Cluster.objects.filter(
            id=cluster.id, status=ClusterStatus.PROVISIONING, runner=runner
        ).update(
            status=ClusterStatus.RUNNING,
            status_reason="",
            status_reason_code="",
            kubeconfig_encrypted=crypto.encrypt_kubeconfig(cluster.id, kubeconfig),
            provisioned_at=timezone.now(),
            holds_slot=False,
            runner="",
            heartbeat_at=None,
            updated_at=timezone.now(),
        )
        if became_running:
            cluster.refresh_from_db()
            events.cluster_changed(cluster)
            return
    # Deleted while kind was creating it (or taken over after our heartbeat lapsed).
    _release_slot(cluster.id, runner)
    cluster.refresh_from_db()
    if cluster.status != ClusterStatus.PROVISIONING:
        # Nobody will ever use this runtime cluster: remove it now rather than as an orphan.
        try:
            provider.delete(cluster.runtime_name, on_line=lambda line: None)
        except ProviderError:
            logger.warning("could not remove cancelled cluster", extra={"cluster_id": cluster.id})


def _finish_failed_create(cluster: Cluster, runner: str, error: ProviderError) -> None:
    tail = "\n".join(error.output_tail[-5:])
    reason = f"{error.message}\nLast output:\n{tail}" if tail else error.message
    with transaction.atomic():
        failed = Cluster.objects.filter(
            id=cluster.id, status=ClusterStatus.PROVISIONING, runner=runner
        ).update(
            status=ClusterStatus.ERROR,
            status_reason=reason,
            status_reason_code=error.code,
            holds_slot=False,
            runner="",
            heartbeat_at=None,
            updated_at=timezone.now(),
        )
        if failed:
            cluster.refresh_from_db()
            events.cluster_changed(cluster)
    if not failed:
        _release_slot(cluster.id, runner)
    logger.info(
        "cluster create failed", extra={"cluster_id": cluster.id, "reason_code": error.code}
    )


def _release_slot(cluster_id: uuid.UUID, runner: str) -> None:
    Cluster.objects.filter(id=cluster_id, runner=runner).update(holds_slot=False, runner="")


def _release_slot_if_orphaned(cluster_id: str, attempt: int) -> None:
    """A message for a cluster deleted before its create began still holds a slot."""
    Cluster.objects.filter(id=cluster_id, attempt=attempt, runner="", holds_slot=True).exclude(
        status=ClusterStatus.PROVISIONING
    ).update(holds_slot=False)


# --- Delete ----------------------------------------------------------------------------------


def cluster_delete(*, cluster_id: str) -> None:
    """Delete the runtime cluster of a DELETING row, then mark it DELETED. Safe to repeat:
    kind's delete succeeds for a missing cluster."""
    cluster = Cluster.objects.filter(id=cluster_id, status=ClusterStatus.DELETING).first()
    if cluster is None:
        return
    Cluster.objects.filter(id=cluster.id).update(heartbeat_at=timezone.now())
    try:
        with _LiveLog(cluster, runner=None) as log:
            get_provider().delete(cluster.runtime_name, on_line=log.add)
    except ProviderError as exc:
        # Stays DELETING; the reconciler tries again once the heartbeat is stale.
        Cluster.objects.filter(id=cluster.id, status=ClusterStatus.DELETING).update(
            status_reason=f"Deleting failed, will retry: {exc.message}",
            status_reason_code=exc.code,
            updated_at=timezone.now(),
        )
        cluster.refresh_from_db()
        events.cluster_changed(cluster)
        return
    with transaction.atomic():
        deleted = Cluster.objects.filter(id=cluster.id, status=ClusterStatus.DELETING).update(
            status=ClusterStatus.DELETED,
            kubeconfig_encrypted=None,  # nothing to protect once the cluster is gone
            deleted_at=timezone.now(),
            heartbeat_at=None,
            updated_at=timezone.now(),
        )
        if deleted:
            cluster.refresh_from_db()
            events.cluster_changed(cluster)


# --- Expiry ----------------------------------------------------------------------------------


def cluster_expire_due() -> list[uuid.UUID]:
    """Move every cluster past its TTL to DELETING and queue its deletion.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED and a conditional update, so
    concurrent expiry runs (several beats, a manual run) each claim a cluster at most once.
    """
    now = timezone.now()
    expirable = [ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.ERROR]
    with transaction.atomic():
        due = Cluster.objects.select_for_update(skip_locked=True).filter(
            ttl_expires_at__lte=now, status__in=expirable
        )
        ids = list(due.values_list("id", flat=True))
        Cluster.objects.filter(id__in=ids, status__in=expirable).update(
            status=ClusterStatus.DELETING,
            status_reason="Expired: its time to live ended.",
            status_reason_code=ReasonCode.EXPIRED,
            heartbeat_at=now,
            updated_at=now,
        )
        for cluster in Cluster.objects.filter(id__in=ids):
            transaction.on_commit(lambda c=cluster: tasks.cluster_delete.delay(str(c.id)))  # type: ignore[misc]
            events.cluster_changed(cluster)
    if ids:
        logger.info("clusters expired", extra={"count": len(ids)})
    return ids


def cluster_warn_expiring() -> int:
    """Tell owners, once per cluster, that it expires within PYK8S_EXPIRY_WARNING_MINUTES."""
    now = timezone.now()
    soon = now + timedelta(minutes=settings.PYK8S_EXPIRY_WARNING_MINUTES)
    candidates = Cluster.objects.filter(
        status=ClusterStatus.RUNNING,
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


# --- Reconciliation --------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    deletes_retried: list[str] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)
    orphans_deleted: list[str] = field(default_factory=list)
    runtime_unavailable: bool = False


def clusters_reconcile() -> ReconcileReport:
    """Make the database (intent) and the runtime (reality) agree. Level-triggered: it looks
    at the whole state each time, so a missed event is repaired on the next run."""
    report = ReconcileReport()
    _recover_interrupted_creates(report)
    _retry_stuck_deletes(report)
    provider = get_provider()
    try:
        listed_at = timezone.now()
        runtime = set(provider.list_clusters())
    except ProviderError as exc:
        logger.warning("reconcile: runtime unavailable", extra={"reason_code": exc.code})
        report.runtime_unavailable = True
    else:
        _mark_disappeared(runtime, listed_at, report)
        _delete_orphans(runtime, provider, report)
    cluster_dispatch_waiting()
    return report


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.PYK8S_STALE_SECONDS)


def _recover_interrupted_creates(report: ReconcileReport) -> None:
    """Creates whose worker went silent: queue them again, or give up after the last
    attempt. The next attempt first deletes whatever the dead one left behind."""
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
                    holds_slot=False, runner="", provisioning_started_at=None, heartbeat_at=None
                ):
                    report.requeued.append(cluster.runtime_name)
            elif Cluster.objects.filter(unchanged).update(
                status=ClusterStatus.ERROR,
                status_reason=(
                    f"Provisioning was interrupted {cluster.attempt} times (the worker "
                    "stopped); giving up. Delete the cluster and create it again."
                ),
                status_reason_code=ReasonCode.INTERRUPTED,
                holds_slot=False,
                runner="",
                heartbeat_at=None,
                updated_at=timezone.now(),
            ):
                cluster.refresh_from_db()
                events.cluster_changed(cluster)
                report.failed.append(cluster.runtime_name)


def _retry_stuck_deletes(report: ReconcileReport) -> None:
    deadline = timezone.now() - timedelta(
        seconds=settings.PYK8S_DELETE_TIMEOUT_SECONDS + settings.PYK8S_STALE_SECONDS
    )
    stuck = Cluster.objects.filter(status=ClusterStatus.DELETING, heartbeat_at__lt=deadline)
    for cluster in stuck:
        with transaction.atomic():
            if Cluster.objects.filter(
                id=cluster.id, status=ClusterStatus.DELETING, heartbeat_at=cluster.heartbeat_at
            ).update(heartbeat_at=timezone.now()):
                transaction.on_commit(lambda c=cluster: tasks.cluster_delete.delay(str(c.id)))  # type: ignore[misc]
                report.deletes_retried.append(cluster.runtime_name)


def _mark_disappeared(runtime: set[str], listed_at: datetime, report: ReconcileReport) -> None:
    # Only clusters already RUNNING when the runtime was listed can be missing from the list.
    running = Cluster.objects.filter(status=ClusterStatus.RUNNING, provisioned_at__lt=listed_at)
    for cluster in running.exclude(runtime_name__in=runtime):
        with transaction.atomic():
            if Cluster.objects.filter(id=cluster.id, status=ClusterStatus.RUNNING).update(
                status=ClusterStatus.ERROR,
                status_reason=(
                    "The cluster disappeared from its host (its containers were removed "
                    "outside PyK8s-Lab). Delete it and create a new one."
                ),
                status_reason_code=ReasonCode.DISAPPEARED,
                updated_at=timezone.now(),
            ):
                cluster.refresh_from_db()
                events.cluster_changed(cluster)
                report.disappeared.append(cluster.runtime_name)


def _delete_orphans(runtime: set[str], provider: Provider, report: ReconcileReport) -> None:
    """Runtime clusters with our prefix and no live row are deleted once they have been
    seen for PYK8S_ORPHAN_GRACE_SECONDS. Clusters without our prefix are never touched."""
    ours = {name for name in runtime if name.startswith(settings.PYK8S_RUNTIME_NAME_PREFIX)}
    live = set(
        Cluster.objects.filter(runtime_name__in=ours, status__in=LIVE_STATUSES).values_list(
            "runtime_name", flat=True
        )
    )
    orphans = ours - live
    RuntimeClusterSighting.objects.exclude(runtime_name__in=orphans).delete()
    for name in orphans:
        RuntimeClusterSighting.objects.get_or_create(runtime_name=name)
    grace = timezone.now() - timedelta(seconds=settings.PYK8S_ORPHAN_GRACE_SECONDS)
    for sighting in RuntimeClusterSighting.objects.filter(first_seen_at__lte=grace):
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


# --- Live output -----------------------------------------------------------------------------


class _LiveLog:
    """kind's output as it arrives: batched to the owner's sockets and into the row's
    provisioning log, plus the heartbeat that tells the reconciler this run is alive.

    A background thread flushes every LOG_FLUSH_SECONDS, so lines reach the user while kind
    is silent for a while; `close` flushes what is left, in order, before the caller
    publishes the final status.
    """

    def __init__(self, cluster: Cluster, runner: str | None) -> None:
        self.cluster = cluster
        self.runner = runner
        self.kept: deque[str] = deque(maxlen=LOG_LINES_KEPT)
        self.pending: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pyk8s-live-log", daemon=True)
        self.last_heartbeat = timezone.now()

    def __enter__(self) -> "_LiveLog":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()
        self._flush()

    def add(self, line: str) -> None:
        with self.lock:
            self.pending.append(line)

    def _run(self) -> None:
        try:
            while not self.stop.wait(LOG_FLUSH_SECONDS):
                self._flush()
        finally:
            connection.close()  # this thread's own database connection

    def _flush(self) -> None:
        with self.lock:
            lines, self.pending = self.pending, []
        now = timezone.now()
        heartbeat_due = (
            now - self.last_heartbeat
        ).total_seconds() >= settings.PYK8S_HEARTBEAT_SECONDS
        if not lines and not heartbeat_due:
            return
        self.kept.extend(lines)
        changes: dict[str, object] = {"heartbeat_at": now}
        if lines:
            changes["provisioning_log"] = "\n".join(self.kept)
        try:
            close_old_connections()
            rows = Cluster.objects.filter(id=self.cluster.id)
            if self.runner is not None:
                rows = rows.filter(runner=self.runner)
            rows.update(**changes)
            self.last_heartbeat = now
            if lines:
                events.cluster_log(self.cluster, lines)
        except Exception:  # a database or Redis blip must not kill the kind run it reports on
            logger.exception("live log flush failed", extra={"cluster_id": self.cluster.id})
