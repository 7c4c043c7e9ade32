"""The warm pool keeps its size: made behind users' requests, replaced when too old or
failed, never more than PYK8S_WARM_POOL asks for."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clusters import provisioning, services, tasks
from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus, ReasonCode, WorkerHost
from tests.clusters.hosts import register_host
from tests.clusters.warm_pool import SPEC, fill_pool
from tests.conftest import record_sends
from tests.factories import ClusterFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_kind")]


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    sent: list[tuple] = []
    for task in ("cluster_provision", "cluster_delete", "clusters_dispatch"):
        record_sends(
            monkeypatch, getattr(tasks, task), lambda *args, task=task: sent.append((task, *args))
        )
    return sent


def pool(*statuses: str) -> list[Cluster]:
    return list(Cluster.objects.filter(IN_WARM_POOL, status__in=statuses))


def test_the_pool_fills_to_its_size_and_no_further(settings):
    assert len(fill_pool(settings, 3)) == 3
    assert provisioning.warm_pool_refill() == []
    assert len(pool(ClusterStatus.PROVISIONING, ClusterStatus.RUNNING)) == 3


def test_clusters_being_made_count_towards_the_size(settings):
    settings.PYK8S_WARM_POOL = {SPEC: 2}
    register_host("host-a", slots=1)
    assert len(provisioning.warm_pool_refill()) == 2  # one creating, one waiting for a slot
    assert provisioning.warm_pool_refill() == []


def test_nothing_is_made_without_a_host(settings):
    settings.PYK8S_WARM_POOL = {SPEC: 2}
    assert provisioning.warm_pool_refill() == []
    assert not Cluster.objects.exists()


def test_users_requests_get_slots_before_older_pool_clusters(settings, user):
    settings.PYK8S_WORKER_HOST = "host-a"
    settings.PYK8S_WARM_POOL = {SPEC: 2}
    register_host("host-a", slots=1)
    creating, waiting = sorted(provisioning.warm_pool_refill(), key=lambda c: c.created_at)
    creating.refresh_from_db()
    assert creating.holds_slot
    # Another spec: the pool cluster cannot be handed to it (test_warm_pool_handover.py).
    requested = ClusterFactory.create(
        owner=user, status=ClusterStatus.PROVISIONING, workers=SPEC[1] + 1
    )
    annotated: Any = Cluster.objects.with_queue_position().get(id=requested.id)
    assert annotated.queue_position == 0  # pool clusters never wait ahead of a user's

    # The pool cluster's create ends and frees the slot: the user's request takes it.
    provisioning.cluster_provision(cluster_id=str(creating.id), attempt=creating.attempt)

    requested.refresh_from_db()
    waiting.refresh_from_db()
    assert requested.holds_slot
    assert waiting.provisioning_started_at is None


def test_a_user_waiting_for_room_gets_it_from_an_idle_pool_cluster(settings, user, queued):
    ready = fill_pool(settings, 2)
    WorkerHost.objects.filter(name="host-a").update(max_clusters=2)  # full of pool clusters
    # Another spec: there is nothing to claim.
    requested = services.cluster_create(owner=user, name="mine", workers=SPEC[1] + 1)
    tasks.clusters_dispatch()  # as a worker runs the placement the create queued

    evicted = Cluster.objects.get(id__in=[c.id for c in ready], status=ClusterStatus.DELETING)
    assert Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING).count() == 1
    provisioning.cluster_delete(cluster_id=str(evicted.id))  # its host's worker runs it
    requested.refresh_from_db()
    assert requested.holds_slot  # placed in the room the pool cluster left
    refill = provisioning.warm_pool_refill()
    assert [c.provisioning_started_at for c in refill] == [None]  # the new one waits


def test_pool_clusters_past_their_max_age_are_replaced(settings, queued):
    settings.PYK8S_WARM_POOL_MAX_AGE_MINUTES = 240
    old, kept = fill_pool(settings, 2)
    assert old.pooled_at is not None
    assert old.ttl_expires_at - old.pooled_at == timedelta(minutes=240)
    Cluster.objects.filter(id=old.id).update(ttl_expires_at=timezone.now())

    tasks.clusters_expire()  # what beat runs every PYK8S_EXPIRY_INTERVAL_SECONDS

    old.refresh_from_db()
    assert (old.status, old.status_reason_code) == (ClusterStatus.DELETING, ReasonCode.EXPIRED)
    assert ("cluster_delete", str(old.id)) in queued
    fresh = pool(ClusterStatus.PROVISIONING, ClusterStatus.RUNNING)
    assert len(fresh) == 2
    assert kept in fresh
    assert old not in fresh


def test_failed_or_vanished_pool_clusters_are_replaced(settings, queued):
    vanished, _ = fill_pool(settings, 2)
    Cluster.objects.filter(id=vanished.id).update(
        status=ClusterStatus.ERROR, status_reason_code=ReasonCode.DISAPPEARED
    )

    provisioning.warm_pool_maintain()

    vanished.refresh_from_db()
    assert vanished.status == ClusterStatus.DELETING
    assert ("cluster_delete", str(vanished.id)) in queued
    assert len(pool(ClusterStatus.PROVISIONING, ClusterStatus.RUNNING)) == 2
