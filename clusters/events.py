"""Real-time events for cluster owners. `publish` is the one function that sends them;
services call it, WebSocket consumers only forward what arrives (clusters.consumers).

Events go to the owner's group through the channel layer (Redis), after the database
commit they describe, so a client never hears of a state it cannot then GET.
"""

import json
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from rest_framework.utils.encoders import JSONEncoder

from clusters.models import Cluster


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish(user_id: int | None, event: dict[str, Any]) -> None:
    """Send `event` to every socket of the user, once the current transaction commits.
    A warm-pool cluster has no owner yet (user_id None): nobody hears of it."""
    publish_all([(user_id, event)])


def publish_all(messages: Iterable[tuple[int | None, dict[str, Any]]]) -> None:
    """`publish` for many events at once: one round of sends after the commit, so that
    telling 200 waiting users their new queue positions costs one trip, not 200."""
    # JSON round trip: UUIDs and datetimes become the strings the REST API returns.
    payloads = [
        (user_id, json.loads(json.dumps(event, cls=JSONEncoder)))
        for user_id, event in messages
        if user_id is not None
    ]
    if payloads:
        # robust: with Redis down, the change itself is committed and stands; clients
        # catch up with GET /clusters/ when they reconnect.
        transaction.on_commit(lambda: _send(payloads), robust=True)


def _send(payloads: list[tuple[int, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for user_id, payload in payloads:  # in order: a user's events must not overtake
            await layer.group_send(user_group(user_id), {"type": "cluster.event", "event": payload})

    async_to_sync(send_all)()


def cluster_changed(cluster: Cluster) -> None:
    clusters_changed([cluster])


def clusters_changed(clusters: Iterable[Cluster]) -> None:
    publish_all(
        (cluster.owner_id, {"type": "cluster.status.changed", "cluster": _as_api_object(cluster)})
        for cluster in clusters
    )


def cluster_log(cluster: Cluster, lines: list[str]) -> None:
    publish(cluster.owner_id, {"type": "cluster.log", "cluster_id": cluster.id, "lines": lines})


def cluster_expiring(cluster: Cluster, minutes_left: int) -> None:
    publish(
        cluster.owner_id,
        {
            "type": "cluster.expiring",
            "cluster": _as_api_object(cluster),
            "minutes_left": minutes_left,
        },
    )


def _as_api_object(cluster: Cluster) -> dict[str, Any]:
    """The cluster exactly as GET /clusters/{id}/ shows it."""
    from clusters import selectors
    from clusters.api.serializers import ClusterSerializer

    if not hasattr(cluster, "queue_position"):
        cluster = selectors.cluster_with_queue_position(cluster_id=cluster.id)
    return dict(ClusterSerializer(cluster).data)
