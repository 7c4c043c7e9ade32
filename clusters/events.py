"""Real-time events for cluster owners. `publish` is the one function that sends them;
services call it, WebSocket consumers only forward what arrives (clusters.consumers).

Events go to the owner's group through the channel layer (Redis), after the database
commit they describe, so a client never hears of a state it cannot then GET.
"""

import json
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
    if user_id is None:
        return
    # JSON round trip: UUIDs and datetimes become the strings the REST API returns.
    payload = json.loads(json.dumps(event, cls=JSONEncoder))
    transaction.on_commit(lambda: _send(user_id, payload))


def _send(user_id: int, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": "cluster.event", "event": payload}
        )


def cluster_changed(cluster: Cluster) -> None:
    publish(
        cluster.owner_id, {"type": "cluster.status.changed", "cluster": _as_api_object(cluster)}
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
