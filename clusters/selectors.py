"""Cluster reads."""

import logging
import uuid
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from clusters import crypto
from clusters.models import (
    MAX_WORKERS,
    NAME_MAX_LENGTH,
    Cluster,
    ClusterStatus,
)
from pyk8s.errors import ApplicationError

logger = logging.getLogger(__name__)


def cluster_list(
    *, owner: User, status: str | None = None, labels: dict[str, str] | None = None
) -> QuerySet[Cluster]:
    """The owner's clusters, newest first; DELETED ones only when asked for by status; with
    `labels`, only those carrying all of them.

    GET /clusters/ compiles this once and reuses the SQL for every owner (clusters.api.
    listing): nothing in it may change between requests but the owner, so no now()."""
    # Neither the ciphertext nor the provisioning log (up to 200 lines each) is listed, so
    # neither is read. "-id" keeps pages stable when two clusters share a created_at.
    clusters = Cluster.objects.filter(owner=owner).defer("kubeconfig_encrypted", "provisioning_log")
    clusters = clusters.with_queue_position().order_by("-created_at", "-id")
    if labels:
        clusters = clusters.filter(labels__contains=labels)
    if status:
        return clusters.filter(status=status)
    return clusters.exclude(status=ClusterStatus.DELETED)


def cluster_get(*, owner: User, cluster_id: str) -> Cluster:
    """The owner's cluster; anyone else's answers exactly like a missing one."""
    try:
        return (
            Cluster.objects.with_queue_position().filter(owner=owner).get(id=uuid.UUID(cluster_id))
        )
    except (Cluster.DoesNotExist, ValueError) as exc:
        raise ApplicationError("Cluster not found.", code="not_found", status_code=404) from exc


def cluster_log_lines(*, cluster: Cluster) -> list[str]:
    """What the worker kept of kind's output from the cluster's latest run (create or delete);
    the same lines went to the owner's sockets as they came."""
    return cluster.provisioning_log.splitlines()


def cluster_choices() -> dict[str, Any]:
    """What a create may ask for, as this deployment is configured."""
    return {
        "kubernetes_versions": settings.PYK8S_KUBERNETES_VERSIONS,
        "ttl_minutes": {
            "default": settings.PYK8S_TTL_DEFAULT_MINUTES,
            "min": settings.PYK8S_TTL_MIN_MINUTES,
            "max": settings.PYK8S_TTL_MAX_MINUTES,
        },
        "workers": {"min": 0, "max": MAX_WORKERS},
        "max_clusters_per_user": settings.PYK8S_MAX_CLUSTERS_PER_USER,
        "name_max_length": NAME_MAX_LENGTH,
    }


def cluster_kubeconfig(*, cluster: Cluster) -> str:
    if cluster.status != ClusterStatus.RUNNING:
        raise ApplicationError(
            f"The kubeconfig is available once the cluster is RUNNING; it is {cluster.status}.",
            code="cluster_not_running",
            status_code=409,
        )
    if cluster.kubeconfig_encrypted is None:
        raise _unreadable(cluster, "no kubeconfig stored")
    try:
        return crypto.decrypt_kubeconfig(cluster.id, cluster.kubeconfig_encrypted)
    except crypto.KubeconfigDecryptionError as exc:
        raise _unreadable(cluster, str(exc)) from exc


def _unreadable(cluster: Cluster, reason: str) -> ApplicationError:
    # Nothing the user can repair: say so plainly, and leave the cause to the operators.
    logger.error("kubeconfig_unreadable", extra={"cluster_id": str(cluster.id), "reason": reason})
    return ApplicationError(
        "This cluster's kubeconfig cannot be read. Delete the cluster and create a new one.",
        code="kubeconfig_unreadable",
        status_code=409,
    )
