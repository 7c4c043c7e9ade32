"""Dispatch: waiting clusters placed on hosts with free slots, and the queue told."""

import pytest
from django.utils import timezone

from clusters import provisioning, services
from clusters.models import Cluster
from tests.clusters.provisioning.steps import waiting_cluster
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_dispatch_never_hands_out_more_slots_than_the_host_has(host):
    clusters = [waiting_cluster() for _ in range(5)]
    started = provisioning.cluster_dispatch_waiting()
    assert [c.id for c in started] == [c.id for c in clusters[: host.max_concurrent_provisions]]
    assert provisioning.cluster_dispatch_waiting() == []
    assert Cluster.objects.filter(holds_slot=True).count() == host.max_concurrent_provisions


def test_concurrent_dispatchers_share_the_slots(host):
    for _ in range(10):
        waiting_cluster()
    run_at_once(lambda _: provisioning.cluster_dispatch_waiting(), 6)
    assert Cluster.objects.filter(holds_slot=True).count() == host.max_concurrent_provisions


def test_nothing_is_dispatched_before_a_worker_registered():
    waiting_cluster()
    assert provisioning.cluster_dispatch_waiting() == []


@pytest.mark.parametrize("leaves_by", ["delete", "expiry"])
def test_the_clusters_behind_one_that_leaves_the_queue_hear_their_new_positions(
    leaves_by, user, other_user, published
):
    # No worker has registered: every cluster waits.
    first, _, _ = (
        services.cluster_create(owner=owner, name=name)
        for owner, name in ((user, "first"), (other_user, "second"), (user, "third"))
    )
    published.clear()

    if leaves_by == "delete":
        services.cluster_request_delete(cluster=first)
    else:
        Cluster.objects.filter(id=first.id).update(ttl_expires_at=timezone.now())
        provisioning.cluster_expire_due()

    heard = {
        (owner, e["cluster"]["name"]): e["cluster"]["queue_position"] for owner, e in published
    }
    assert heard == {(user.id, "first"): None, (other_user.id, "second"): 0, (user.id, "third"): 1}
