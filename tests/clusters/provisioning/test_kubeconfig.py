"""A running cluster's kubeconfig read from kind again."""

import pytest

from clusters import provisioning, selectors
from clusters.models import Cluster
from tests.clusters.provisioning.steps import provision, waiting_cluster

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_kubeconfig_refresh_restores_one_whose_key_was_lost(kind, host, settings):
    cluster = provision(waiting_cluster())
    Cluster.objects.filter(id=cluster.id).update(kubeconfig_encrypted=b"under a lost key")

    assert provisioning.cluster_refresh_kubeconfig(cluster_id=str(cluster.id))

    cluster.refresh_from_db()
    assert selectors.cluster_kubeconfig(cluster=cluster).strip() == (
        kind.run("get", "kubeconfig", "--name", cluster.runtime_name).stdout.strip()
    )
    settings.PYK8S_WORKER_HOST = "host-b"  # kind on another host knows nothing of it
    assert not provisioning.cluster_refresh_kubeconfig(cluster_id=str(cluster.id))
