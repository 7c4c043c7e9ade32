"""Create: kind runs for one attempt of one placed cluster, on the worker of its host."""

import logging
import os
import socket
import uuid

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from clusters import crypto
from clusters.models import Cluster, ClusterStatus
from clusters.providers import ClusterSpec, Provider, ProviderError, get_provider
from clusters.provisioning import placement, warm_pool
from clusters.provisioning.live_log import LiveLog
from clusters.provisioning.transitions import cluster_transition

logger = logging.getLogger(__name__)


def cluster_provision(*, cluster_id: str, attempt: int) -> None:
    """Run kind for one attempt of one cluster. A message for another attempt, one whose
    attempt already has a runner (a redelivery), or one for a cluster placed on another host
    is dropped: the reconciler covers runs that died."""
    runner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    claimed = Cluster.objects.filter(
        id=cluster_id,
        status=ClusterStatus.PROVISIONING,
        attempt=attempt,
        runner="",
        host__name=settings.PYK8S_WORKER_HOST,
    ).update(runner=runner, heartbeat_at=timezone.now(), provisioning_log="")
    if not claimed:
        logger.info("provision message dropped", extra={"cluster_id": cluster_id})
        _release_slot_if_orphaned(cluster_id, attempt)
        return
    cluster = Cluster.objects.select_related("owner").get(id=cluster_id)
    provider = get_provider()
    spec = ClusterSpec(cluster.runtime_name, cluster.kubernetes_version, cluster.workers)
    try:
        with LiveLog(cluster, runner) as log:
            if attempt > 1:  # an earlier attempt may have left a half-made cluster behind
                provider.delete(cluster.runtime_name, on_line=log.add)
            kubeconfig = provider.create(spec, on_line=log.add)
    except ProviderError as exc:
        _finish_failed_create(cluster, runner, exc)
    else:
        _finish_created(cluster, runner, kubeconfig, provider)
    finally:
        placement.cluster_dispatch_waiting()


def _finish_created(cluster: Cluster, runner: str, kubeconfig: str, provider: Provider) -> None:
    running = cluster_transition(
        cluster.id,
        where=Q(status=ClusterStatus.PROVISIONING, runner=runner),
        status=ClusterStatus.RUNNING,
        status_reason="",
        status_reason_code="",
        kubeconfig_encrypted=crypto.encrypt_kubeconfig(cluster.id, kubeconfig),
        provisioned_at=timezone.now(),
        holds_slot=False,
        runner="",
        heartbeat_at=None,
    )
    if running is not None:
        if running.owner_id is None:
            warm_pool.hand_to_a_waiting_user(pool_cluster_id=running.id)
        return
    # Deleted while kind was creating it (or taken over after our heartbeat lapsed).
    _release_slot(cluster.id, runner)
    cluster.refresh_from_db()
    if cluster.status != ClusterStatus.PROVISIONING:
        # Nobody will ever use this runtime cluster: remove it now rather than as an orphan.
        try:
            provider.delete(cluster.runtime_name, on_line=lambda line: None)
        except ProviderError:
            logger.warning("could not remove cancelled cluster", extra={"cluster_id": cluster.id})


def _finish_failed_create(cluster: Cluster, runner: str, error: ProviderError) -> None:
    tail = "\n".join(error.output_tail[-5:])
    reason = f"{error.message}\nLast output:\n{tail}" if tail else error.message
    failed = cluster_transition(
        cluster.id,
        where=Q(status=ClusterStatus.PROVISIONING, runner=runner),
        status=ClusterStatus.ERROR,
        status_reason=reason,
        status_reason_code=error.code,
        holds_slot=False,
        runner="",
        heartbeat_at=None,
    )
    if failed is None:
        _release_slot(cluster.id, runner)
    logger.info(
        "cluster create failed", extra={"cluster_id": cluster.id, "reason_code": error.code}
    )


def _release_slot(cluster_id: uuid.UUID, runner: str) -> None:
    Cluster.objects.filter(id=cluster_id, runner=runner).update(holds_slot=False, runner="")


def _release_slot_if_orphaned(cluster_id: str, attempt: int) -> None:
    """A message for a cluster deleted before its create began still holds a slot."""
    Cluster.objects.filter(id=cluster_id, attempt=attempt, runner="", holds_slot=True).exclude(
        status=ClusterStatus.PROVISIONING
    ).update(holds_slot=False)
