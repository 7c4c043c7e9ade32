import pytest

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


@pytest.mark.parametrize("status", [ClusterStatus.PROVISIONING, "RUNNING", "ERROR"])
def test_it_starts_deleting_and_queues_one_task_on_commit(
    owner_client, user, status, queued_tasks, django_capture_on_commit_callbacks
):
    cluster = ClusterFactory.create(owner=user, status=status)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/clusters/{cluster.id}/")
        assert queued_tasks == []

    assert response.status_code == 202
    assert response.json()["status"] == "DELETING"
    assert response.json()["id"] == str(cluster.id)
    assert Cluster.objects.get(id=cluster.id).status == ClusterStatus.DELETING
    assert queued_tasks == [("cluster_delete", str(cluster.id))]


@pytest.mark.parametrize("status", [ClusterStatus.DELETING, ClusterStatus.DELETED])
def test_repeating_it_is_harmless(
    owner_client, user, status, queued_tasks, django_capture_on_commit_callbacks
):
    cluster = ClusterFactory.create(owner=user, status=status)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.delete(f"/clusters/{cluster.id}")

    assert response.status_code == 202
    assert response.json()["status"] == status
    assert Cluster.objects.get(id=cluster.id).status == status
    assert queued_tasks == []


def test_it_ignores_a_body(owner_client, user):
    cluster = ClusterFactory.create(owner=user)

    response = owner_client.delete(f"/clusters/{cluster.id}/", {"id": "x"}, format="json")

    assert response.status_code == 202
