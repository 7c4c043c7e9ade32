"""The provisioning engine: what the Celery worker (and beat) do to turn cluster rows into
runtime clusters and back, and keep the two in agreement. One module per topic: hosts,
placement, create, delete, kubeconfig, expiry, warm_pool, reconcile, live_log, and
transitions, the one way a cluster's state changes.

Rules that hold everywhere here:
- every state change is a conditional update (transitions.cluster_transition), so a
  duplicated or late task message, a second worker or a second beat can never move a
  cluster backwards or act on it twice;
- a create runs only after `cluster_dispatch_waiting` placed it on a host and gave it one of
  that host's slots (`holds_slot`), so at most `max_concurrent_provisions` kind creates run
  per host, and a host never holds more than `max_clusters` clusters;
- users' requests are placed before warm-pool clusters (PYK8S_WARM_POOL), which are otherwise
  made, placed and watched like any other cluster;
- kind runs only on the worker of the cluster's own host: tasks about a placed cluster go to
  that host's queue (clusters.tasks.route_task);
- a running create or delete proves it is alive with `heartbeat_at`, a worker proves its host
  is alive with `WorkerHost.last_seen_at`; the reconciler takes over from silent ones.
"""

from clusters.provisioning.create import cluster_provision
from clusters.provisioning.delete import cluster_delete, cluster_request_delete
from clusters.provisioning.expiry import cluster_expire_due, cluster_warn_expiring
from clusters.provisioning.hosts import (
    hosts_live_since,
    worker_host_heartbeat,
    worker_host_register,
    worker_hosts_retire,
    worker_hosts_set_draining,
)
from clusters.provisioning.kubeconfig import cluster_refresh_kubeconfig
from clusters.provisioning.placement import cluster_dispatch_waiting, waiting_moved_up
from clusters.provisioning.reconcile import (
    HostReconcileReport,
    ReconcileReport,
    clusters_reconcile,
    clusters_reconcile_host,
)
from clusters.provisioning.warm_pool import warm_pool_claim, warm_pool_maintain, warm_pool_refill

__all__ = [
    "HostReconcileReport",
    "ReconcileReport",
    "cluster_delete",
    "cluster_dispatch_waiting",
    "cluster_expire_due",
    "cluster_provision",
    "cluster_refresh_kubeconfig",
    "cluster_request_delete",
    "cluster_warn_expiring",
    "clusters_reconcile",
    "clusters_reconcile_host",
    "hosts_live_since",
    "waiting_moved_up",
    "warm_pool_claim",
    "warm_pool_maintain",
    "warm_pool_refill",
    "worker_host_heartbeat",
    "worker_host_register",
    "worker_hosts_retire",
    "worker_hosts_set_draining",
]
