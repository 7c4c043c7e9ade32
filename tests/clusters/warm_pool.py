"""A warm pool made and provisioned in-process, as a worker would, for engine tests."""

from clusters import provisioning
from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus
from tests.clusters.hosts import register_host

SPEC = ("1.33.1", 0)


def fill_pool(settings, size: int, *, slots: int = 5) -> list[Cluster]:
    """Make the pool of SPEC `size` clusters on host-a and run their creates here."""
    settings.PYK8S_WORKER_HOST = "host-a"
    settings.PYK8S_WARM_POOL = {SPEC: size}
    register_host("host-a", slots=slots, max_clusters=30)
    provisioning.warm_pool_refill()
    for cluster in Cluster.objects.filter(IN_WARM_POOL, holds_slot=True):
        provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=cluster.attempt)
    return list(Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING))
