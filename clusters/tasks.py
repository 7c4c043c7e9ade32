"""Celery tasks: thin wrappers that load an id and call a service."""

from celery import shared_task

from clusters import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cluster_provision(cluster_id: str) -> None:
    services.cluster_provision(cluster_id=cluster_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cluster_delete(cluster_id: str) -> None:
    services.cluster_delete(cluster_id=cluster_id)
