"""Celery tasks: thin wrappers that call a service. Retries are only for our own transient
infrastructure errors (database, Redis); a kind failure is an outcome, not a retry."""

from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from clusters import provisioning

TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def cluster_provision(cluster_id: str, attempt: int) -> None:
    provisioning.cluster_provision(cluster_id=cluster_id, attempt=attempt)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def cluster_delete(cluster_id: str) -> None:
    provisioning.cluster_delete(cluster_id=cluster_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def clusters_expire() -> None:
    provisioning.cluster_expire_due()
    provisioning.cluster_warn_expiring()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def clusters_reconcile() -> None:
    provisioning.clusters_reconcile()


@worker_ready.connect
def _register_worker_host(**kwargs: Any) -> None:
    provisioning.worker_host_register(
        name=settings.PYK8S_WORKER_HOST,
        max_concurrent_provisions=settings.PYK8S_MAX_CONCURRENT_PROVISIONS,
    )
    provisioning.cluster_dispatch_waiting()
