"""The one way a cluster's state changes."""

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clusters import events
from clusters.models import Cluster

ANY_STATE = Q()


def clusters_transition(
    ids: Iterable[uuid.UUID | str], *, where: Q = ANY_STATE, **changes: Any
) -> list[Cluster]:
    """Apply `changes` to those of the clusters that still match `where`, in one conditional
    update, so a late or repeated message, a second worker or a second web replica can never
    move a cluster backwards or act on it twice. Always sets updated_at (clients order events
    by it). Returns the clusters it moved, reloaded (with their queue position and host), and
    publishes each to its owner once the transaction commits."""
    ids = list(ids)
    if not ids:
        return []
    now = changes.setdefault("updated_at", timezone.now())
    # No savepoint inside a caller's transaction: nothing here is an error to recover from.
    with transaction.atomic(savepoint=False):
        Cluster.objects.filter(where, id__in=ids).update(**changes)
        # The rows this update moved carry its timestamp, and they stay locked until commit.
        moved = list(
            Cluster.objects.with_queue_position()
            .filter(id__in=ids, updated_at=now)
            .select_related("host")
            .order_by("created_at")
        )
        events.clusters_changed(moved)
    return moved


def cluster_transition(
    cluster_id: uuid.UUID | str, *, where: Q = ANY_STATE, **changes: Any
) -> Cluster | None:
    """clusters_transition for one cluster: the cluster moved, or None if it had moved on."""
    moved = clusters_transition([cluster_id], where=where, **changes)
    return moved[0] if moved else None


def locked_cluster_transition(cluster: Cluster, **changes: Any) -> Cluster:
    """clusters_transition for a cluster this transaction has just loaded with
    select_for_update: nobody else can move the row until commit, so the update needs no
    condition and no reload. The changes (and updated_at) are applied to the instance, which
    is published like any other. Only for rows whose `queue_position` is None (not waiting)."""
    changes.setdefault("updated_at", timezone.now())
    Cluster.objects.filter(id=cluster.id).update(**changes)
    for field, value in changes.items():
        setattr(cluster, field, value)
    cluster.queue_position = None  # type: ignore[attr-defined]
    events.clusters_changed([cluster])
    return cluster
