"""Placement: the queue of clusters waiting for room, and the host each one is created on.

A create runs only after `cluster_dispatch_waiting` placed it on a host and gave it one of
that host's slots (`holds_slot`), so at most `max_concurrent_provisions` kind creates run per
host, and a host never holds more than `max_clusters` clusters. Users' requests are placed
before warm-pool clusters.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from clusters import events
from clusters.models import HELD_BY_HOST, WAITING, Cluster, ClusterStatus, ReasonCode, WorkerHost
from clusters.provisioning import hosts, warm_pool
from clusters.provisioning.transitions import cluster_transition, clusters_transition
from clusters.queue import CLUSTER_PROVISION, send_after_commit

logger = logging.getLogger(__name__)


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
        loads = with_host_load(WorkerHost.objects.order_by("name"))
        live_since = hosts.hosts_live_since()
        open_hosts = [
            _HostRoom(host, host.last_seen_at, host.clusters_held, host.provisions_running)
            for host in loads
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
            warm_pool.make_room_for_users(
                [
                    room.host
                    for room in open_hosts
                    if room.clusters_held >= room.host.max_clusters
                    and room.provisions_running < room.host.max_concurrent_provisions
                ]
            )
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
    events.clusters_changed(waiting.with_queue_position().order_by("created_at"))


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
    started = []
    for cluster_id in waiting:
        room = min((h for h in hosts if h.free), key=lambda h: h.load)
        cluster = cluster_transition(
            cluster_id,
            where=WAITING,
            host=room.host,
            provisioning_started_at=now,
            heartbeat_at=now,
            holds_slot=True,
            attempt=F("attempt") + 1,
            runner="",
        )
        if cluster is not None:
            room.clusters_held += 1
            room.provisions_running += 1
            send_after_commit(
                CLUSTER_PROVISION, str(cluster.id), cluster.attempt, host=cluster.host
            )
            started.append(cluster)
    return started


def _refuse_overdue(waiting: QuerySet[Cluster], now: datetime) -> list[Cluster]:
    max_wait = settings.PYK8S_QUEUE_MAX_WAIT_SECONDS
    waited = f"{max_wait // 60} minutes" if max_wait >= 120 else f"{max_wait} seconds"
    overdue = list(
        waiting.filter(created_at__lt=now - timedelta(seconds=max_wait)).values_list(
            "id", flat=True
        )
    )
    refused = clusters_transition(
        overdue,
        where=WAITING,
        status=ClusterStatus.ERROR,
        status_reason=(
            f"No capacity: all hosts stayed full for {waited}, so this cluster was not "
            "created. Try again later (delete this one first to reuse its name)."
        ),
        status_reason_code=ReasonCode.NO_CAPACITY,
        updated_at=now,
    )
    if refused:
        logger.info("creates refused for lack of capacity", extra={"count": len(refused)})
    return refused


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
