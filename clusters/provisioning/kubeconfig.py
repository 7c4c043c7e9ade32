"""Kubeconfig refresh: read a running cluster's kubeconfig from kind again."""

import logging

from django.conf import settings

from clusters import crypto
from clusters.models import Cluster, ClusterStatus
from clusters.providers import ProviderError, get_provider

logger = logging.getLogger(__name__)


def cluster_refresh_kubeconfig(*, cluster_id: str) -> bool:
    """Read a RUNNING cluster's kubeconfig from kind again and store it encrypted with the
    current key: for one that can no longer be decrypted (its key was dropped) or that names
    an old public host. Run by the worker of the cluster's host; True if stored."""
    cluster = Cluster.objects.filter(
        id=cluster_id, status=ClusterStatus.RUNNING, host__name=settings.PYK8S_WORKER_HOST
    ).first()
    if cluster is None:
        logger.info("kubeconfig refresh dropped", extra={"cluster_id": cluster_id})
        return False
    try:
        kubeconfig = get_provider().kubeconfig(cluster.runtime_name)
    except ProviderError as exc:
        logger.warning(
            "kubeconfig refresh failed", extra={"cluster_id": cluster_id, "reason_code": exc.code}
        )
        return False
    return bool(
        Cluster.objects.filter(id=cluster.id, status=ClusterStatus.RUNNING).update(
            kubeconfig_encrypted=crypto.encrypt_kubeconfig(cluster.id, kubeconfig)
        )
    )
