"""A pool cluster that becomes ready while a user's cluster of its spec waits for a slot goes
to that user at once, instead of the user waiting for the slot and then for kind."""

import pytest

from clusters import crypto, provisioning, tasks
from clusters.models import IN_WARM_POOL, WAITING, Cluster, ClusterStatus
from clusters.provisioning import warm_pool
from tests.clusters.hosts import register_host
from tests.clusters.warm_pool import SPEC
from tests.conftest import record_sends
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def kind(fake_kind, settings):
    settings.PYK8S_WORKER_HOST = "host-a"
    settings.PYK8S_WARM_POOL = {SPEC: 1}
    return fake_kind


@pytest.fixture(autouse=True)
def refills(monkeypatch):
    sent: list[tuple] = []
    record_sends(monkeypatch, tasks.cluster_provision, lambda *args: None)
    record_sends(monkeypatch, tasks.warm_pool_refill, lambda *args: sent.append(args))
    return sent


def a_pool_cluster_being_made() -> Cluster:
    """The pool's one cluster, holding host-a's only slot."""
    register_host("host-a", slots=1)
    (making,) = provisioning.warm_pool_refill()
    making.refresh_from_db()
    assert making.holds_slot
    return making


def finish(making: Cluster) -> None:
    provisioning.cluster_provision(cluster_id=str(making.id), attempt=making.attempt)


def test_the_user_who_waited_longest_for_its_spec_gets_it(user, other_user, published, refills):
    making = a_pool_cluster_being_made()
    first = ClusterFactory.create(owner=user, status=ClusterStatus.PROVISIONING)
    second = ClusterFactory.create(owner=other_user, status=ClusterStatus.PROVISIONING)
    published.clear()

    finish(making)

    first.refresh_from_db()
    assert first.status == ClusterStatus.RUNNING
    assert (first.runtime_name, first.host_id) == (making.runtime_name, making.host_id)
    assert first.kubeconfig_encrypted is not None
    kubeconfig = crypto.decrypt_kubeconfig(first.id, first.kubeconfig_encrypted)
    assert f"kind-{making.runtime_name}" in kubeconfig
    assert not Cluster.objects.filter(id=making.id).exists()
    assert refills == [()]  # the pool makes its replacement
    # The freed slot went to the next user waiting, as ever.
    second.refresh_from_db()
    assert second.holds_slot
    mine = [e["cluster"] for owner, e in published if owner == user.id]
    assert [(c["id"], c["status"]) for c in mine] == [(str(first.id), "RUNNING")]


def test_it_counts_as_a_claim_and_keeps_the_pool_clusters_log(user):
    making = a_pool_cluster_being_made()
    waiting = ClusterFactory.create(owner=user, status=ClusterStatus.PROVISIONING)

    finish(making)

    waiting.refresh_from_db()
    assert waiting.claimed_at is not None
    assert waiting.pooled_at is not None
    assert waiting.provisioning_log.startswith("Creating cluster")
    (activity,) = warm_pool.activity(since=waiting.pooled_at).values()
    assert (activity["claims"], activity["misses"]) == (1, 0)


def test_a_waiting_cluster_of_another_spec_keeps_waiting(user):
    making = a_pool_cluster_being_made()
    other_spec = ClusterFactory.create(
        owner=user, status=ClusterStatus.PROVISIONING, workers=SPEC[1] + 1
    )

    finish(making)

    other_spec.refresh_from_db()
    assert Cluster.objects.filter(IN_WARM_POOL, id=making.id, status="RUNNING").exists()
    assert other_spec.holds_slot  # the freed slot: it is created for itself


def test_with_nobody_waiting_the_cluster_stays_in_the_pool():
    making = a_pool_cluster_being_made()

    finish(making)

    assert Cluster.objects.filter(IN_WARM_POOL, id=making.id, status="RUNNING").exists()
    assert not Cluster.objects.filter(WAITING).exists()
