from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import selectors
from clusters.api.serializers import ClusterSerializer
from clusters.models import Cluster, ClusterStatus
from pyk8s.errors import ApplicationError
from tests.factories import ClusterFactory, UserFactory


def test_cluster_list_reads_neither_the_ciphertext_nor_the_log(user):
    ClusterFactory.create(owner=user, kubeconfig="kind: Config")

    (cluster,) = selectors.cluster_list(owner=user)

    assert {"kubeconfig_encrypted", "provisioning_log"} <= cluster.get_deferred_fields()


def test_cluster_list_reads_all_a_listed_cluster_shows(user, django_assert_num_queries):
    ClusterFactory.create(owner=user)
    (cluster,) = selectors.cluster_list(owner=user)

    with django_assert_num_queries(0):  # no deferred field loaded one by one
        assert ClusterSerializer(cluster).data["id"] == str(cluster.id)


def test_cluster_list_breaks_created_at_ties_by_id(user):
    clusters = ClusterFactory.create_batch(4, owner=user)
    Cluster.objects.update(created_at=timezone.now())

    listed = list(selectors.cluster_list(owner=user))

    assert listed == sorted(clusters, key=lambda c: c.id, reverse=True)


@pytest.mark.parametrize(
    "cluster_id", ["", "x", "1", "0b5c8cde-9c32-4f5a-9e31-6f8d3c1e2a47", "\x00"]
)
def test_cluster_get_answers_not_found_for_unknown_ids(user, cluster_id):
    with pytest.raises(ApplicationError) as error:
        selectors.cluster_get(owner=user, cluster_id=cluster_id)

    assert (error.value.status_code, error.value.code) == (404, "not_found")


def test_cluster_get_answers_not_found_for_someone_elses_cluster(user):
    cluster = ClusterFactory.create(owner=UserFactory())

    with pytest.raises(ApplicationError) as error:
        selectors.cluster_get(owner=user, cluster_id=str(cluster.id))

    assert error.value.status_code == 404


def test_the_queue_position_counts_every_user_waiting_ahead(user):
    start = timezone.now() - timedelta(hours=1)
    first, second, mine = (
        ClusterFactory.create(status=ClusterStatus.PROVISIONING),
        ClusterFactory.create(status=ClusterStatus.PROVISIONING),
        ClusterFactory.create(owner=user, status=ClusterStatus.PROVISIONING),
    )
    started = ClusterFactory.create(status=ClusterStatus.PROVISIONING)
    for minutes, cluster in enumerate([started, first, second, mine]):
        Cluster.objects.filter(id=cluster.id).update(created_at=start + timedelta(minutes=minutes))
    Cluster.objects.filter(id=started.id).update(provisioning_started_at=timezone.now())
    clusters = Cluster.objects.with_queue_position()

    shown = ClusterSerializer(clusters, many=True).data

    positions = {cluster["id"]: cluster["queue_position"] for cluster in shown}
    assert positions == {
        str(started.id): None,
        str(first.id): 0,
        str(second.id): 1,
        str(mine.id): 2,
    }
