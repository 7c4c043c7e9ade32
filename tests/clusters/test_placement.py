"""Where a waiting cluster goes: a live, non-draining host with a free slot and room, the
least loaded for its size first; never more than a host's slots or clusters."""

import pytest
from django.db.models import Count

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus, ReasonCode
from tests.clusters.hosts import register_host
from tests.concurrency import run_at_once
from tests.factories import ClusterFactory


def waiting(count: int = 1) -> list[Cluster]:
    return [ClusterFactory.create(status=ClusterStatus.PROVISIONING) for _ in range(count)]


def placed_on() -> dict[str, int]:
    """Clusters given a slot by this dispatch, per host name."""
    rows = (
        Cluster.objects.filter(holds_slot=True)
        .values_list("host__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


@pytest.fixture(autouse=True)
def _no_broker(queued_tasks):
    return queued_tasks


@pytest.mark.django_db
def test_it_places_a_cluster_on_the_host_least_loaded_for_its_size(settings):
    small = register_host("small", max_clusters=4)
    big = register_host("big", max_clusters=10)
    ClusterFactory.create_batch(2, host=small)  # half full
    ClusterFactory.create_batch(3, host=big)  # 30 % full
    (cluster,) = waiting()

    (started,) = provisioning.cluster_dispatch_waiting()

    assert started.id == cluster.id
    assert started.host == big
    assert started.holds_slot
    assert started.attempt == 1


@pytest.mark.django_db
def test_it_fills_every_host_up_to_its_size_and_the_rest_wait():
    register_host("a", slots=10, max_clusters=2)
    register_host("b", slots=10, max_clusters=4)
    clusters = waiting(7)

    started = provisioning.cluster_dispatch_waiting()

    assert [c.id for c in started] == [c.id for c in clusters[:6]]  # oldest first
    assert placed_on() == {"a": 2, "b": 4}
    clusters[6].refresh_from_db()
    assert (clusters[6].host, clusters[6].status) == (None, ClusterStatus.PROVISIONING)
    assert provisioning.cluster_dispatch_waiting() == []


@pytest.mark.django_db
def test_it_never_runs_more_creates_on_a_host_than_its_slots():
    register_host("a", slots=1)
    register_host("b", slots=2)
    waiting(5)

    provisioning.cluster_dispatch_waiting()

    assert placed_on() == {"a": 1, "b": 2}


@pytest.mark.django_db
def test_silent_and_draining_hosts_get_no_clusters(settings):
    settings.PYK8S_HOST_DEAD_SECONDS = 120
    register_host("silent", silent_for=121)
    register_host("draining", draining=True)
    register_host("open", slots=1)
    waiting(3)

    provisioning.cluster_dispatch_waiting()

    assert placed_on() == {"open": 1}


@pytest.mark.django_db
def test_clusters_of_an_unreachable_host_still_take_its_room():
    host = register_host("a", max_clusters=1)
    ClusterFactory.create(
        host=host, status=ClusterStatus.ERROR, status_reason_code=ReasonCode.HOST_UNREACHABLE
    )
    ClusterFactory.create(host=host, status=ClusterStatus.DELETED)  # gone: takes no room
    waiting()

    assert provisioning.cluster_dispatch_waiting() == []


@pytest.mark.django_db
def test_clusters_wait_while_no_host_has_registered():
    waiting()

    assert provisioning.cluster_dispatch_waiting() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_overfill_any_host():
    register_host("a", slots=2, max_clusters=3)
    register_host("b", slots=3, max_clusters=3)
    waiting(12)
    run_at_once(lambda _: provisioning.cluster_dispatch_waiting(), 6)

    assert placed_on() == {"a": 2, "b": 3}
    assert Cluster.objects.filter(provisioning_started_at__isnull=False).count() == 5
