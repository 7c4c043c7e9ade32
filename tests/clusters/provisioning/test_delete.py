"""The delete: the runtime cluster removed, whatever state it is in."""

import pytest

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus
from tests.clusters.provisioning.steps import provision, waiting_cluster
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_delete_removes_the_runtime_cluster_and_the_kubeconfig(kind, host):
    cluster = provision(waiting_cluster())
    Cluster.objects.filter(id=cluster.id).update(status=ClusterStatus.DELETING)
    provisioning.cluster_delete(cluster_id=str(cluster.id))
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETED
    assert cluster.deleted_at is not None
    assert cluster.kubeconfig_encrypted is None
    assert kind.clusters() == []


def test_each_cluster_has_its_own_network_which_goes_with_it(kind, host):
    first, second = provision(waiting_cluster()), provision(waiting_cluster())
    assert kind.cluster(first.runtime_name)["network"] == first.runtime_name
    assert sorted(kind.networks()) == sorted([first.runtime_name, second.runtime_name])

    Cluster.objects.filter(id=first.id).update(status=ClusterStatus.DELETING)
    provisioning.cluster_delete(cluster_id=str(first.id))

    assert kind.networks() == [second.runtime_name]


def test_delete_succeeds_when_the_runtime_cluster_is_already_gone(kind, host):
    cluster = ClusterFactory.create(status=ClusterStatus.DELETING)
    provisioning.cluster_delete(cluster_id=str(cluster.id))
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETED


def test_a_failed_delete_stays_deleting_for_the_reconciler(kind, host):
    cluster = provision(waiting_cluster())
    Cluster.objects.filter(id=cluster.id).update(status=ClusterStatus.DELETING)
    kind.set_fault("fail", command="delete cluster", cluster="pk-*", times=1)
    provisioning.cluster_delete(cluster_id=str(cluster.id))
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETING
    assert "will retry" in cluster.status_reason
