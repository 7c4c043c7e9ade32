"""The provisioning engine: services run by the Celery worker (and beat) that turn cluster
rows into runtime clusters and back, and keep the two in agreement.

Rules that hold everywhere here:
- every status change is a conditional update, so a duplicated or late task message, a
  second worker or a second beat can never move a cluster backwards or act on it twice;
- a create runs only after `cluster_dispatch_waiting` placed it on a host and gave it one of
  that host's slots (`holds_slot`), so at most `max_concurrent_provisions` kind creates run
  per host, and a host never holds more than `max_clusters` clusters;
- users' requests are placed before warm-pool clusters (PYK8S_WARM_POOL), which are otherwise
  made, placed and watched like any other cluster;
- kind runs only on the worker of the cluster's own host: tasks about a placed cluster go to
  that host's queue (clusters.tasks.route_task);
- a running create or delete proves it is alive with `heartbeat_at`, a worker proves its host
  is alive with `WorkerHost.last_seen_at`; the reconciler takes over from silent ones.
"""

import logging
import os
import socket
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone

from clusters import crypto, events, selectors, services, tasks
from clusters.models import (
    HELD_BY_HOST,
    IN_WARM_POOL,
    WAITING,
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


def _after_commit(enqueue: Callable[[], object]) -> None:
    """Send a task once committed. With the broker down the commit still stands (robust) and
    nothing is lost: the reconciler re-dispatches waiting creates and retries stale deletes."""
    transaction.on_commit(enqueue, robust=True)


# --- Hosts and placement --------------------------------------------------------------------


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
        cluster_dispatch_waiting()  # the queue can move onto the reopened hosts
    return changed


def worker_hosts_retire(*, hosts: QuerySet[WorkerHost]) -> list[str]:
    """Forget the hosts gone for good: those silent for PYK8S_HOST_DEAD_SECONDS (live ones are
    left alone). Their clusters went with them, so each becomes DELETED, which frees its
    owner's quota, and the host leaves the list. Returns the names retired.

    Should such a host's worker start again, it registers anew, and its reconciler deletes
    the kind clusters it still holds: no cluster row owns them any more."""
    now = timezone.now()
    silent = Q(last_seen_at__lt=selectors.hosts_live_since()) | Q(last_seen_at=None)
    with transaction.atomic():
        retired = list(
            WorkerHost.objects.select_for_update()
            .filter(silent, id__in=hosts.values("id"))
            .order_by("name")  # the order every dispatcher locks them in
        )
        on_them = Cluster.objects.filter(host__in=retired)
        gone = list(on_them.exclude(status=ClusterStatus.DELETED).values_list("id", flat=True))
        on_them.filter(id__in=gone).update(
            status=ClusterStatus.DELETED,
            status_reason="Its Docker host was retired by the operators: the cluster went with it.",
            status_reason_code=ReasonCode.HOST_RETIRED,
            kubeconfig_encrypted=None,
            holds_slot=False,
            runner="",
            heartbeat_at=None,
            deleted_at=now,
            updated_at=now,
        )
        on_them.update(host=None)
        WorkerHost.objects.filter(id__in=[host.id for host in retired]).delete()
        events.clusters_changed(selectors.with_queue_position(Cluster.objects.filter(id__in=gone)))
    if retired:
        logger.info(
            "hosts retired",
            extra={"hosts": [host.name for host in retired], "clusters_deleted": len(gone)},
        )
    return [host.name for host in retired]


def cluster_dispatch_waiting() -> list[Cluster]:
    """Place the longest-waiting clusters (users' first, then warm-pool ones) on hosts with
    room, each with one of its host's provisioning slots, and refuse those that waited past
    PYK8S_QUEUE_MAX_WAIT_SECONDS.

    A host has room when it is live (heard from within PYK8S_HOST_DEAD_SECONDS), not
    draining, has a free slot and holds fewer than `max_clusters` clusters; of those, the
    least loaded for its size is chosen (_HostRoom.load). Every host row is locked, always
    in name order, while this is counted, so concurrent dispatchers (web processes, workers)
    take turns, never deadlock and never overfill a host.

    Called after every create request, every finished create or delete, and by the
    reconciler.
    """
    now = timezone.now()
    waiting = Cluster.objects.filter(WAITING).order_by(
        F("pooled_at").asc(nulls_first=True), "created_at"
    )
    with transaction.atomic():
        # Lock first, count after: counts read in the locking statement itself would come
        # from the snapshot taken before it waited for the lock, and miss the last claims.
        list(WorkerHost.objects.select_for_update().order_by("name").values_list("id"))
        hosts = selectors.with_host_load(WorkerHost.objects.order_by("name"))
        live_since = selectors.hosts_live_since()
        open_hosts = [
            _HostRoom(host, host.last_seen_at, host.clusters_held, host.provisions_running)
            for host in hosts
            if not host.draining
            and host.last_seen_at is not None
            and host.last_seen_at >= live_since
        ]
        free = sum(h.free for h in open_hosts)
        first = list(waiting.values_list("id", flat=True)[:free])
        started = _place(first, open_hosts, now)
        # Fewer waiting than there was room for: nobody is left waiting (or overdue).
        others_wait = len(first) == free
        refused = _refuse_overdue(waiting, now) if others_wait else []
        if others_wait:
            _make_room_for_users(open_hosts)
    if others_wait and (started or refused):
        waiting_moved_up()
    return started


def waiting_moved_up(*, behind: datetime | None = None) -> None:
    """Tell the owners of the clusters still waiting (those created after `behind`, if given)
    their new queue positions: clusters ahead of them were placed, refused, deleted or
    expired."""
    waiting = Cluster.objects.filter(WAITING, owner__isnull=False)
    if behind is not None:
        waiting = waiting.filter(created_at__gt=behind)
    events.clusters_changed(selectors.with_queue_position(waiting.order_by("created_at")))


@dataclass
class _HostRoom:
    host: WorkerHost
    seen_at: datetime
    clusters_held: int
    provisions_running: int

    @property
    def free(self) -> int:
        free_slots = self.host.max_concurrent_provisions - self.provisions_running
        return max(0, min(free_slots, self.host.max_clusters - self.clusters_held))

    @property
    def load(self) -> tuple[float, float, float]:
        """Lowest first: the emptiest for its size, then the least busy creating, then the
        one heard from last (a host that just went silent loses the ties)."""
        return (
            self.clusters_held / self.host.max_clusters,
            self.provisions_running / self.host.max_concurrent_provisions,
            -self.seen_at.timestamp(),
        )


def _place(waiting: list[uuid.UUID], hosts: list[_HostRoom], now: datetime) -> list[Cluster]:
    """Give each of the `waiting` (no more than the hosts have room for) its host."""
    placed = []
    for cluster_id in waiting:
        room = min((h for h in hosts if h.free), key=lambda h: h.load)
        if Cluster.objects.filter(WAITING, id=cluster_id).update(
            host=room.host,
            provisioning_started_at=now,
            heartbeat_at=now,
            holds_slot=True,
            attempt=F("attempt") + 1,
            runner="",
        ):
            room.clusters_held += 1
            room.provisions_running += 1
            placed.append(cluster_id)
    started = list(
        selectors.with_queue_position(Cluster.objects.filter(id__in=placed))
        .select_related("host")
        .order_by("created_at")
    )
    for cluster in started:
        _after_commit(
            lambda c=cluster: tasks.send_to_host(  # type: ignore[misc]
                tasks.cluster_provision, c.host, str(c.id), c.attempt
            )
        )
    events.clusters_changed(started)
    return started


def _make_room_for_users(hosts: list[_HostRoom]) -> None:
    """Users go first for room too: while their clusters wait, ready warm-pool clusters on
    hosts that have a free slot but are full of clusters are deleted, one per waiting
    cluster (counting those already on their way out). The refill makes new ones, which
    wait behind users."""
    full = [
        room.host
        for room in hosts
        if room.clusters_held >= room.host.max_clusters
        and room.provisions_running < room.host.max_concurrent_provisions
    ]
    if not full:
        return
    users_waiting = Cluster.objects.filter(WAITING, owner__isnull=False).count()
    leaving = Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.DELETING).count()
    idle = Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING, host__in=full)
    for cluster in idle.order_by("pooled_at")[: max(0, users_waiting - leaving)]:
        services.cluster_request_delete(cluster=cluster)
        logger.info("pool cluster deleted to make room", extra={"cluster_id": cluster.id})


def _refuse_overdue(waiting: QuerySet[Cluster], now: datetime) -> list[Cluster]:
    max_wait = settings.PYK8S_QUEUE_MAX_WAIT_SECONDS
    waited = f"{max_wait // 60} minutes" if max_wait >= 120 else f"{max_wait} seconds"
    overdue = list(
        waiting.filter(created_at__lt=now - timedelta(seconds=max_wait)).values_list(
            "id", flat=True
        )
    )
    Cluster.objects.filter(WAITING, id__in=overdue).update(
        status=ClusterStatus.ERROR,
        status_reason=(
            f"No capacity: all hosts stayed full for {waited}, so this cluster was not "
            "created. Try again later (delete this one first to reuse its name)."
        ),
        status_reason_code=ReasonCode.NO_CAPACITY,
        updated_at=now,
    )
    refused = list(Cluster.objects.filter(id__in=overdue, status=ClusterStatus.ERROR))
    for cluster in refused:
        events.cluster_changed(cluster)
    if refused:
        logger.info("creates refused for lack of capacity", extra={"count": len(refused)})
    return refused


# --- Create ----------------------------------------------------------------------------------


def cluster_provision(*, cluster_id: str, attempt: int) -> None:
    """Run kind for one attempt of one cluster. A message for another attempt, one whose
    attempt already has a runner (a redelivery), or one for a cluster placed on another host
    is dropped: the reconciler covers runs that died."""
    runner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    claimed = Cluster.objects.filter(
        id=cluster_id,
        status=ClusterStatus.PROVISIONING,
        attempt=attempt,
        runner="",
        host__name=settings.PYK8S_WORKER_HOST,
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
    if became_running:
        if cluster.owner_id is None:
            _hand_to_a_waiting_user(pool_cluster_id=cluster.id)
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


def _hand_to_a_waiting_user(*, pool_cluster_id: uuid.UUID) -> Cluster | None:
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
        Cluster.objects.filter(id=waiting.id).update(
            status=ClusterStatus.RUNNING,
            host_id=pool_cluster.host_id,
            runtime_name=pool_cluster.runtime_name,
            kubeconfig_encrypted=crypto.encrypt_kubeconfig(waiting.id, kubeconfig),
            provisioning_log=pool_cluster.provisioning_log,
            provisioning_started_at=pool_cluster.provisioning_started_at,
            provisioned_at=pool_cluster.provisioned_at,
            # Counted as a claim in the pool's figures (selectors.warm_pool_activity).
            pooled_at=pool_cluster.pooled_at,
            claimed_at=now,
            updated_at=now,
        )
        handed = selectors.cluster_with_queue_position(cluster_id=waiting.id)
        events.cluster_changed(handed)
        _after_commit(tasks.warm_pool_refill.delay)
    logger.info(
        "pool cluster handed to a waiting cluster",
        extra={"cluster_id": waiting.id, "runtime_name": pool_cluster.runtime_name},
    )
    waiting_moved_up(behind=waiting.created_at)
    return handed


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
        tasks.cluster_delete.delay(str(cluster.id))
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
    if deleted:
        cluster_dispatch_waiting()  # its host has room for one more


# --- Kubeconfig refresh ------------------------------------------------------------------------


def cluster_refresh_kubeconfig(*, cluster_id: str) -> bool:
    """Read a RUNNING cluster's kubeconfig from kind again and store it encrypted with the
    current key: for one that can no longer be decrypted (its key was dropped) or that names
    an old public host. Run by the worker of the cluster's host; True if stored."""
    cluster = Cluster.objects.filter(
        id=cluster_id, status=ClusterStatus.RUNNING, host__name=settings.PYK8S_WORKER_HOST
    ).first()
    if cluster is None:
        logger.info("kubeconfig refresh dropped", extra={"cluster_id": cluster_id})
        return False
    try:
        kubeconfig = get_provider().kubeconfig(cluster.runtime_name)
    except ProviderError as exc:
        logger.warning(
            "kubeconfig refresh failed", extra={"cluster_id": cluster_id, "reason_code": exc.code}
        )
        return False
    return bool(
        Cluster.objects.filter(id=cluster.id, status=ClusterStatus.RUNNING).update(
            kubeconfig_encrypted=crypto.encrypt_kubeconfig(cluster.id, kubeconfig)
        )
    )


# --- Expiry ----------------------------------------------------------------------------------


def cluster_expire_due() -> list[uuid.UUID]:
    """Move every cluster past its TTL to DELETING and queue its deletion.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED and a conditional update, so
    concurrent expiry runs (several beats, a manual run) each claim a cluster at most once.
    """
    now = timezone.now()
    expirable = [ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.ERROR]
    with transaction.atomic():
        due = (
            Cluster.objects.select_for_update(skip_locked=True)
            .filter(ttl_expires_at__lte=now, status__in=expirable)
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
        # Conditional, as every state change is, although the claim above holds these rows.
        Cluster.objects.filter(id__in=ids, status__in=expirable, ttl_expires_at__lte=now).update(
            status=ClusterStatus.DELETING,
            status_reason="Expired: its time to live ended.",
            status_reason_code=ReasonCode.EXPIRED,
            heartbeat_at=now,
            updated_at=now,
        )
        expired = list(
            selectors.with_queue_position(
                Cluster.objects.filter(id__in=ids, status=ClusterStatus.DELETING)
            ).select_related("host")
        )
        ids = [cluster.id for cluster in expired]
        for cluster in expired:
            _after_commit(
                lambda c=cluster: tasks.send_to_host(tasks.cluster_delete, c.host, str(c.id))  # type: ignore[misc]
            )
        events.clusters_changed(expired)
        if first_waiting is not None:  # expired while it waited: those behind it moved up
            waiting_moved_up(behind=first_waiting)
    if ids:
        logger.info("clusters expired", extra={"count": len(ids)})
    return ids


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


# --- Warm pool -------------------------------------------------------------------------------


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
        have = selectors.warm_pool_counts(
            statuses=[ClusterStatus.PROVISIONING, ClusterStatus.RUNNING]
        )
        for (version, workers), size in settings.PYK8S_WARM_POOL.items():
            for _ in range(size - have.get((version, workers), 0)):
                runtime_name = services.new_runtime_name()
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
        cluster_dispatch_waiting()
    return made


def warm_pool_maintain() -> list[Cluster]:
    """Delete the pool clusters that failed, vanished or lost their host, then refill. Those
    past PYK8S_WARM_POOL_MAX_AGE_MINUTES are expired like any other (cluster_expire_due)."""
    for cluster in Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.ERROR):
        services.cluster_request_delete(cluster=cluster)
    return warm_pool_refill()


# --- Reconciliation --------------------------------------------------------------------------


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
    cluster_dispatch_waiting()
    live = WorkerHost.objects.filter(last_seen_at__gte=selectors.hosts_live_since())
    for name in live.order_by("name").values_list("name", flat=True):
        tasks.clusters_reconcile_host.delay(name)
        report.hosts.append(name)
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
    return report


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.PYK8S_STALE_SECONDS)


def _silent_hosts() -> QuerySet[WorkerHost]:
    return WorkerHost.objects.exclude(last_seen_at__gte=selectors.hosts_live_since())


def _mark_unreachable(report: ReconcileReport) -> None:
    """Running clusters of a silent host are shown as ERROR host_unreachable, their rows and
    kubeconfigs kept: the host's own reconcile brings them back when it returns."""
    stranded = Cluster.objects.filter(host__in=_silent_hosts(), status=ClusterStatus.RUNNING)
    for cluster in stranded:
        with transaction.atomic():
            if Cluster.objects.filter(id=cluster.id, status=ClusterStatus.RUNNING).update(
                status=ClusterStatus.ERROR,
                status_reason=(
                    "Host unreachable: the Docker host running this cluster stopped answering. "
                    "Nothing was deleted; the cluster comes back when its host does."
                ),
                status_reason_code=ReasonCode.HOST_UNREACHABLE,
                updated_at=timezone.now(),
            ):
                cluster.refresh_from_db()
                events.cluster_changed(cluster)
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
    """Deletes of clusters on a silent host wait in its queue until it is back."""
    deadline = timezone.now() - timedelta(
        seconds=settings.PYK8S_DELETE_TIMEOUT_SECONDS + settings.PYK8S_STALE_SECONDS
    )
    stuck = Cluster.objects.filter(
        status=ClusterStatus.DELETING, heartbeat_at__lt=deadline
    ).exclude(host__in=_silent_hosts())
    for cluster in stuck:
        with transaction.atomic():
            if Cluster.objects.filter(
                id=cluster.id, status=ClusterStatus.DELETING, heartbeat_at=cluster.heartbeat_at
            ).update(heartbeat_at=timezone.now()):
                _after_commit(lambda c=cluster: tasks.cluster_delete.delay(str(c.id)))  # type: ignore[misc]
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
        with transaction.atomic():
            if Cluster.objects.filter(
                id=cluster.id,
                status=ClusterStatus.ERROR,
                status_reason_code=ReasonCode.HOST_UNREACHABLE,
            ).update(**outcome, updated_at=timezone.now()):
                cluster.refresh_from_db()
                events.cluster_changed(cluster)
                if cluster.status == ClusterStatus.RUNNING:
                    report.reachable_again.append(cluster.runtime_name)
                else:
                    report.disappeared.append(cluster.runtime_name)


def _mark_disappeared(
    host: WorkerHost, runtime: set[str], listed_at: datetime, report: HostReconcileReport
) -> None:
    # Only clusters already RUNNING when the runtime was listed can be missing from the list.
    running = Cluster.objects.filter(
        host=host, status=ClusterStatus.RUNNING, provisioned_at__lt=listed_at
    )
    for cluster in running.exclude(runtime_name__in=runtime):
        with transaction.atomic():
            if Cluster.objects.filter(id=cluster.id, status=ClusterStatus.RUNNING).update(
                status=ClusterStatus.ERROR,
                status_reason=DISAPPEARED_REASON,
                status_reason_code=ReasonCode.DISAPPEARED,
                updated_at=timezone.now(),
            ):
                cluster.refresh_from_db()
                events.cluster_changed(cluster)
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
