"""Steps of the engine, taken here as a worker would take them."""

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


def waiting_cluster(**fields) -> Cluster:
    return ClusterFactory.create(status=ClusterStatus.PROVISIONING, **fields)


def provision(cluster: Cluster) -> Cluster:
    """Give the cluster a slot and run its create, as the worker would."""
    started = provisioning.cluster_dispatch_waiting()
    assert cluster.id in [c.id for c in started]
    cluster.refresh_from_db()
    provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=cluster.attempt)
    cluster.refresh_from_db()
    return cluster
