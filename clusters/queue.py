"""The one way cluster work is queued: after the commit that decided it, to the right host.

Tasks are named here, not imported: clusters.tasks calls into the provisioning engine, which
queues tasks in turn, and layers only point down.
"""

from typing import Any

from django.db import transaction

from clusters.models import WorkerHost
from pyk8s.celery import app

CLUSTER_PROVISION = "clusters.tasks.cluster_provision"
CLUSTER_DELETE = "clusters.tasks.cluster_delete"
CLUSTER_REFRESH_KUBECONFIG = "clusters.tasks.cluster_refresh_kubeconfig"
CLUSTERS_DISPATCH = "clusters.tasks.clusters_dispatch"
CLUSTERS_RECONCILE_HOST = "clusters.tasks.clusters_reconcile_host"
WARM_POOL_REFILL = "clusters.tasks.warm_pool_refill"


def host_queue(host_name: str) -> str:
    return f"host.{host_name}"


def send_after_commit(task_name: str, *args: Any, host: WorkerHost | None) -> None:
    """Send the task once the current transaction commits (at once outside one), to the queue
    of `host`, the Docker host it must run on (None: a cluster not placed yet, or work for
    any worker, goes to the default queue).

    With the broker down the commit still stands (robust) and nothing is lost: the reconciler
    re-dispatches waiting creates and retries stale deletes.
    """

    def send() -> None:
        task = app.tasks[task_name]
        queue = host_queue(host.name) if host is not None else task.app.conf.task_default_queue
        task.apply_async(args, queue=queue)

    transaction.on_commit(send, robust=True)
