"""Worker hosts for engine tests, as their workers would have registered them."""

from datetime import timedelta

from django.utils import timezone

from clusters import provisioning
from clusters.models import WorkerHost


def register_host(
    name: str,
    *,
    slots: int = 2,
    max_clusters: int = 10,
    silent_for: float = 0,
    draining: bool = False,
) -> WorkerHost:
    """A host that registered, last heartbeat `silent_for` seconds ago."""
    provisioning.worker_host_register(
        name=name, max_concurrent_provisions=slots, max_clusters=max_clusters
    )
    WorkerHost.objects.filter(name=name).update(
        last_seen_at=timezone.now() - timedelta(seconds=silent_for), draining=draining
    )
    return WorkerHost.objects.get(name=name)
