import logging

import pytest

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://127.0.0.1:40123
  name: kind-pk-0123456789ab
users:
- name: kind-pk-0123456789ab
  user:
    client-key-data: TOP-SECRET-KEY-DATA
"""


def test_it_downloads_the_kubeconfig_of_a_running_cluster(owner_client, user):
    cluster = ClusterFactory.create(owner=user, name="web", kubeconfig=KUBECONFIG)

    response = owner_client.get(f"/clusters/{cluster.id}/kubeconfig/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    assert response["Content-Disposition"] == 'attachment; filename="web-kubeconfig.yaml"'
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode() == KUBECONFIG


@pytest.mark.parametrize("status", ["PROVISIONING", "DELETING", "DELETED", "ERROR"])
def test_it_is_a_conflict_unless_running(owner_client, user, status):
    cluster = ClusterFactory.create(owner=user, status=status, kubeconfig=KUBECONFIG)

    response = owner_client.get(f"/clusters/{cluster.id}/kubeconfig")

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"The kubeconfig is available once the cluster is RUNNING; it is {status}.",
        "code": "cluster_not_running",
    }


UNREADABLE = {
    "detail": "This cluster's kubeconfig cannot be read. Delete the cluster and create a new one.",
    "code": "kubeconfig_unreadable",
}


def test_a_ciphertext_copied_from_another_cluster_is_refused(owner_client, user, caplog):
    victim = ClusterFactory.create(kubeconfig=KUBECONFIG)
    mine = ClusterFactory.create(owner=user, status=ClusterStatus.RUNNING)
    Cluster.objects.filter(id=mine.id).update(kubeconfig_encrypted=victim.kubeconfig_encrypted)

    with caplog.at_level(logging.DEBUG):
        response = owner_client.get(f"/clusters/{mine.id}/kubeconfig/")

    assert response.status_code == 409
    assert response.json() == UNREADABLE
    assert b"TOP-SECRET" not in response.content
    (record,) = [r for r in caplog.records if r.getMessage() == "kubeconfig_unreadable"]
    assert record.levelno == logging.ERROR
    assert record.cluster_id == str(mine.id)


def test_a_running_cluster_without_a_kubeconfig_is_refused(owner_client, user):
    cluster = ClusterFactory.create(owner=user, status=ClusterStatus.RUNNING)

    response = owner_client.get(f"/clusters/{cluster.id}/kubeconfig/")

    assert response.status_code == 409
    assert response.json() == UNREADABLE


def test_a_ciphertext_under_a_removed_key_is_refused(owner_client, user, settings):
    cluster = ClusterFactory.create(owner=user, kubeconfig=KUBECONFIG)
    settings.PYK8S_ENCRYPTION_KEYS = ["A" * 43 + "="]

    response = owner_client.get(f"/clusters/{cluster.id}/kubeconfig/")

    assert response.status_code == 409
    assert response.json() == UNREADABLE


def test_the_kubeconfig_never_reaches_the_logs(owner_client, user, caplog):
    cluster = ClusterFactory.create(owner=user, kubeconfig=KUBECONFIG)

    with caplog.at_level(logging.DEBUG):
        assert owner_client.get(f"/clusters/{cluster.id}/kubeconfig/").status_code == 200
        assert owner_client.get("/clusters/").status_code == 200

    assert caplog.records
    for record in caplog.records:
        assert "TOP-SECRET" not in repr(vars(record))
