"""Several expiry runs at once (several beats, a manual run) over the same expired
clusters: each cluster is claimed, queued for deletion and deleted exactly once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import provisioning, tasks
from clusters.models import Cluster, ClusterStatus
from tests.concurrency import run_at_once
from tests.conftest import record_sends
from tests.factories import ClusterFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

RUNS = 6


@pytest.fixture
def expired_and_live():
    past = timezone.now() - timedelta(minutes=1)
    owners = UserFactory.create_batch(10)
    expired = [
        ClusterFactory.create(owner=owner, status=status, ttl_expires_at=past)
        for owner in owners
        for status in (ClusterStatus.RUNNING, ClusterStatus.PROVISIONING, ClusterStatus.ERROR)
    ]
    live = ClusterFactory.create_batch(5, owner=owners[0])
    return expired, live


def test_each_expired_cluster_is_queued_for_deletion_once(monkeypatch, expired_and_live):
    expired, live = expired_and_live
    queued: list[str] = []
    record_sends(monkeypatch, tasks.cluster_delete, queued.append)

    claims = run_at_once(lambda _: provisioning.cluster_expire_due(), RUNS)

    claimed = Counter(str(cluster_id) for claim in claims for cluster_id in claim)
    assert claimed == Counter(str(c.id) for c in expired)
    assert Counter(queued) == claimed
    assert Cluster.objects.filter(status=ClusterStatus.DELETING).count() == len(expired)
    assert set(
        Cluster.objects.filter(id__in=[c.id for c in live]).values_list("status", flat=True)
    ) == {ClusterStatus.RUNNING}


def test_each_expired_cluster_is_deleted_from_the_runtime_once(
    monkeypatch, settings, fake_kind, expired_and_live
):
    expired, _ = expired_and_live
    for cluster in expired:
        fake_kind.add_cluster(cluster.runtime_name)
    queued: list[str] = []
    record_sends(monkeypatch, tasks.cluster_delete, queued.append)
    run_at_once(lambda _: provisioning.cluster_expire_due(), RUNS)
    # Each delete message delivered twice at once, as a redelivery after a lost ack would be.
    deliveries = iter(queued * 2)
    lock = threading.Lock()

    def deliver_all(_) -> None:
        while True:
            with lock:
                cluster_id = next(deliveries, None)
            if cluster_id is None:
                return
            provisioning.cluster_delete(cluster_id=cluster_id)

    run_at_once(deliver_all, 4)

    assert fake_kind.clusters() == []
    deleted = Cluster.objects.filter(id__in=[c.id for c in expired])
    assert set(deleted.values_list("status", flat=True)) == {ClusterStatus.DELETED}
    assert all(c.status_reason_code == "expired" for c in deleted)
