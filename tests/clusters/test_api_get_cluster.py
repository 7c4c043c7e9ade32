import pytest

from clusters.models import ClusterStatus
from tests.factories import ClusterFactory


def test_it_returns_the_cluster(owner_client, user):
    cluster = ClusterFactory.create(owner=user, workers=2, kubeconfig="kind: X")

    response = owner_client.get(f"/clusters/{cluster.id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(cluster.id)
    assert (body["name"], body["status"], body["workers"]) == (cluster.name, "RUNNING", 2)
    assert body["kubernetes_version"] == cluster.kubernetes_version
    assert body["ttl_expires_at"] == cluster.ttl_expires_at.isoformat().replace("+00:00", "Z")
    assert b"kind: X" not in response.content
    assert "runtime_name" not in body


def test_it_still_answers_for_a_deleted_cluster(owner_client, user):
    cluster = ClusterFactory.create(owner=user, status=ClusterStatus.DELETED)

    response = owner_client.get(f"/clusters/{cluster.id}")

    assert response.status_code == 200
    assert response.json()["status"] == "DELETED"


@pytest.mark.parametrize(
    "cluster_id",
    ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g", "%00", "%E2%82%AC", "a" * 300],
)
def test_it_answers_404_for_malformed_ids(owner_client, cluster_id):
    response = owner_client.get(f"/clusters/{cluster_id}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Cluster not found.", "code": "not_found"}
