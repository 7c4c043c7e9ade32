"""Cluster reads."""

from django.db.models import QuerySet

from accounts.models import User
from clusters import crypto
from clusters.models import Cluster, ClusterStatus
from pyk8s.errors import ApplicationError


def cluster_list(*, owner: User, status: str | None = None) -> QuerySet[Cluster]:
    clusters = Cluster.objects.filter(owner=owner)
    if status:
        return clusters.filter(status=status)
    return clusters.exclude(status=ClusterStatus.DELETED)


def cluster_get(*, owner: User, cluster_id: object) -> Cluster:
    """The owner's cluster; anyone else's answers exactly like a missing one."""
    try:
        return Cluster.objects.get(owner=owner, id=cluster_id)
    except (Cluster.DoesNotExist, ValueError, TypeError) as exc:
        raise ApplicationError("Cluster not found.", code="not_found", status_code=404) from exc


def cluster_kubeconfig(*, cluster: Cluster) -> str:
    if cluster.status != ClusterStatus.RUNNING or cluster.kubeconfig_encrypted is None:
        raise ApplicationError(
            f"The kubeconfig is available once the cluster is RUNNING; it is {cluster.status}.",
            code="cluster_not_running",
            status_code=409,
        )
    return crypto.decrypt_kubeconfig(cluster.id, cluster.kubeconfig_encrypted)
