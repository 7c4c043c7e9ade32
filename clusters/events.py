"""Real-time events for cluster owners. `publish` is the one function that sends them;
services call it, WebSocket consumers only forward what arrives (clusters.consumers).

Each event carries the cluster as the REST API shows it (clusters.representation), and goes
to the owner's sockets after the commit it describes (pyk8s.realtime).
"""

import json
from collections.abc import Iterable
from typing import Any

from rest_framework.utils.encoders import JSONEncoder

from clusters.models import Cluster
from clusters.representation import clusters_as_json
from pyk8s import realtime


def publish(user_id: int | None, event: dict[str, Any]) -> None:
    """Send `event` to every socket of the user, once the current transaction commits.
    A warm-pool cluster has no owner yet (user_id None): nobody hears of it."""
    publish_all([(user_id, event)])


def publish_all(messages: Iterable[tuple[int | None, dict[str, Any]]]) -> None:
    """`publish` for many events at once: one round of sends after the commit, so that
    telling 200 waiting users their new queue positions costs one trip, not 200."""
    # JSON round trip: UUIDs and datetimes become the strings the REST API returns.
    realtime.send_on_commit(
        (
            user_id,
            {"type": "cluster.event", "event": json.loads(json.dumps(event, cls=JSONEncoder))},
        )
        for user_id, event in messages
        if user_id is not None
    )


def cluster_changed(cluster: Cluster) -> None:
    clusters_changed([cluster])


def clusters_changed(clusters: Iterable[Cluster]) -> None:
    clusters = list(clusters)
    publish_all(
        (cluster.owner_id, {"type": "cluster.status.changed", "cluster": data})
        for cluster, data in zip(clusters, clusters_as_json(clusters), strict=True)
    )


def cluster_log(cluster: Cluster, lines: list[str]) -> None:
    publish(cluster.owner_id, {"type": "cluster.log", "cluster_id": cluster.id, "lines": lines})


def cluster_expiring(cluster: Cluster, minutes_left: int) -> None:
    publish(
        cluster.owner_id,
        {
            "type": "cluster.expiring",
            "cluster": clusters_as_json([cluster])[0],
            "minutes_left": minutes_left,
        },
    )
