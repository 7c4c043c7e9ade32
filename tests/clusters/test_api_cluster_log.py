from clusters.models import ClusterStatus
from tests.factories import ClusterFactory


def test_it_returns_what_kind_printed_oldest_first(owner_client, user):
    cluster = ClusterFactory.create(
        owner=user,
        status=ClusterStatus.ERROR,
        provisioning_log='Creating cluster "pk-1" ...\n ✗ Preparing nodes 📦\nERROR: no space left',
    )

    response = owner_client.get(f"/clusters/{cluster.id}/log/")

    assert response.status_code == 200
    assert response.json() == {
        "lines": ['Creating cluster "pk-1" ...', " ✗ Preparing nodes 📦", "ERROR: no space left"]
    }


def test_a_cluster_kind_has_not_run_for_yet_has_no_lines(owner_client, user):
    cluster = ClusterFactory.create(owner=user, status=ClusterStatus.PROVISIONING)

    response = owner_client.get(f"/clusters/{cluster.id}/log/")

    assert response.json() == {"lines": []}


def test_someone_elses_cluster_log_is_not_found(other_client, user):
    cluster = ClusterFactory.create(owner=user, provisioning_log="secret-ish output")

    response = other_client.get(f"/clusters/{cluster.id}/log/")

    assert response.status_code == 404
    assert b"secret-ish" not in response.content
