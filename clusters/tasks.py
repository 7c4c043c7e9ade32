"""Celery tasks: thin wrappers that call a service. Retries are only for our own transient
infrastructure errors (database, Redis); a kind failure is an outcome, not a retry."""

import logging
import threading
import time
from typing import Any

from celery import shared_task
from celery.signals import celeryd_after_setup, worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from redis.exceptions import ConnectionError as RedisConnectionError

from clusters import provisioning
from clusters.models import Cluster
from clusters.queue import host_queue

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def cluster_provision(cluster_id: str, attempt: int) -> None:
    provisioning.cluster_provision(cluster_id=cluster_id, attempt=attempt)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def cluster_delete(cluster_id: str) -> None:
    provisioning.cluster_delete(cluster_id=cluster_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def cluster_refresh_kubeconfig(cluster_id: str) -> None:
    provisioning.cluster_refresh_kubeconfig(cluster_id=cluster_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def clusters_dispatch() -> None:
    provisioning.cluster_dispatch_waiting()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def clusters_expire() -> None:
    provisioning.cluster_expire_due()
    provisioning.cluster_warn_expiring()
    # Pool clusters just expired for their age are replaced in the same pass.
    provisioning.warm_pool_maintain()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def warm_pool_refill() -> None:
    provisioning.warm_pool_refill()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def clusters_reconcile() -> None:
    provisioning.clusters_reconcile()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def clusters_reconcile_host(host_name: str) -> None:
    provisioning.clusters_reconcile_host(name=host_name)


# --- Routing: one queue per Docker host --------------------------------------------------------


_ABOUT_A_CLUSTER_OR_HOST = {
    task.name
    for task in (
        cluster_provision,
        cluster_delete,
        cluster_refresh_kubeconfig,
        clusters_reconcile_host,
    )
}


def route_task(
    name: str, args: tuple[Any, ...], kwargs: dict[str, Any], options: dict[str, Any], **_: Any
) -> dict[str, str] | None:
    """The Celery router (pyk8s.celery): tasks about a placed cluster go to its host's queue,
    whoever sends them (API, admin, beat, a worker), so kind always runs against the Docker
    host holding that cluster. Everything else goes to the default queue, which every
    worker consumes."""
    if "queue" in options:
        return None  # chosen by the sender (clusters.queue.send_after_commit)
    if name not in _ABOUT_A_CLUSTER_OR_HOST:
        return None
    target = [*args, *kwargs.values()][0]
    if name == clusters_reconcile_host.name:
        return {"queue": host_queue(target)}
    host = Cluster.objects.filter(id=target).values_list("host__name", flat=True).first()
    return {"queue": host_queue(host)} if host else None


@celeryd_after_setup.connect
def _consume_host_queue(sender: str, instance: Any, **kwargs: Any) -> None:
    # Added to whatever -Q says, so no worker command needs to name its host.
    instance.app.amqp.queues.select_add(host_queue(settings.PYK8S_WORKER_HOST))


# --- The worker's host: registration and heartbeat ----------------------------------------


@worker_ready.connect
def _register_worker_host(**kwargs: Any) -> None:
    provisioning.worker_host_register(
        name=settings.PYK8S_WORKER_HOST,
        max_concurrent_provisions=settings.PYK8S_MAX_CONCURRENT_PROVISIONS,
        max_clusters=settings.PYK8S_HOST_MAX_CLUSTERS,
        public_host=settings.PYK8S_PUBLIC_HOST,
    )
    threading.Thread(target=_heartbeat, name="pyk8s-host-heartbeat", daemon=True).start()
    provisioning.cluster_dispatch_waiting()
    # A new host is room for the warm pool: fill it now, not at the next expiry pass.
    provisioning.warm_pool_refill()
    # Back from a restart or an outage: bring this host's clusters to the truth now, not at
    # the next periodic reconcile.
    clusters_reconcile_host.delay(settings.PYK8S_WORKER_HOST)


def _heartbeat() -> None:
    """Runs in the worker's main process, so pool processes busy with long creates never
    delay it; a database blip only skips a beat."""
    while True:
        time.sleep(settings.PYK8S_HOST_HEARTBEAT_SECONDS)
        try:
            provisioning.worker_host_heartbeat(name=settings.PYK8S_WORKER_HOST)
        except Exception:
            logger.exception("host heartbeat failed", extra={"host": settings.PYK8S_WORKER_HOST})
        finally:
            connection.close()  # a fresh one next time, never a stale one
