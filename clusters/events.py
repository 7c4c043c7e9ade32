"""Real-time events for cluster owners. `publish` is the one function that sends them;
services call it, WebSocket consumers only forward what arrives (clusters.consumers).

Events go to the owner's group through the channel layer (Redis), after the database
commit they describe, so a client never hears of a state it cannot then GET.
"""

import asyncio
import concurrent.futures
import functools
import json
import os
import threading
from collections import defaultdict
from collections.abc import Coroutine, Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.utils.encoders import JSONEncoder

from clusters.models import Cluster

# A burst's sends in flight at once, each on its own Redis connection.
SEND_CONCURRENCY = 16
# Past this (Redis unreachable), the events are given up; the change itself stands.
SEND_TIMEOUT_SECONDS = 30.0


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
    _send_on_commit(
        (
            user_id,
            {"type": "cluster.event", "event": json.loads(json.dumps(event, cls=JSONEncoder))},
        )
        for user_id, event in messages
        if user_id is not None
    )


def access_token_revoked(user_id: int, jti: str) -> None:
    """Close the user's sockets opened with this access token (revoked by a logout): a
    socket never outlives its credentials."""
    _send_on_commit([(user_id, {"type": "token.revoked", "jti": jti})])


def _send_on_commit(messages: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Channel-layer messages for the users' consumers, sent once the transaction commits."""
    messages = list(messages)
    if messages:
        # robust: with Redis down, the change itself is committed and stands; clients
        # catch up with GET /clusters/ when they reconnect.
        transaction.on_commit(lambda: _send(messages), robust=True)


def _send(messages: list[tuple[int, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for user_id, message in messages:
        by_user[user_id].append(message)
    _publisher().run(_send_all(layer, by_user), timeout=SEND_TIMEOUT_SECONDS)


async def _send_all(layer: Any, by_user: dict[int, list[dict[str, Any]]]) -> None:
    """Users side by side (a burst of 1,000 does not wait 1,000 round trips), each user's
    events in order (they must not overtake each other)."""
    connections = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(user_id: int, messages: list[dict[str, Any]]) -> None:
        async with connections:
            for message in messages:
                try:
                    await layer.group_send(user_group(user_id), message)
                except RedisConnectionError:
                    # A connection kept from before a Redis restart fails once, then leaves
                    # the pool: the retry gets a new one. (Redis down: this fails too.)
                    await layer.group_send(user_group(user_id), message)

    await asyncio.gather(*(send(user_id, m) for user_id, m in by_user.items()))


class _Publisher:
    """An event loop of its own in a daemon thread, kept for the life of the process, so the
    channel layer's Redis connections (which channels_redis keeps per loop) stay open from
    one event to the next; `async_to_sync` would build a new loop, and so connect anew, for
    every send."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="pyk8s-events", daemon=True).start()

    def run(self, coroutine: Coroutine[Any, Any, None], *, timeout: float) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise


@functools.cache
def _publisher() -> _Publisher:
    return _Publisher()


# A Celery pool process forked from a parent that had published holds the parent's loop
# object, but not the thread that ran it: it starts its own.
os.register_at_fork(after_in_child=_publisher.cache_clear)


def cluster_changed(cluster: Cluster) -> None:
    clusters_changed([cluster])


def clusters_changed(clusters: Iterable[Cluster]) -> None:
    clusters = list(clusters)
    publish_all(
        (cluster.owner_id, {"type": "cluster.status.changed", "cluster": data})
        for cluster, data in zip(clusters, _as_api_objects(clusters), strict=True)
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
    (data,) = _as_api_objects([cluster])
    return data


def _as_api_objects(clusters: list[Cluster]) -> list[dict[str, Any]]:
    """The clusters exactly as GET /clusters/{id}/ shows them (one serializer for all: DRF
    builds a serializer's fields anew for every instance)."""
    from clusters import selectors
    from clusters.api.serializers import ClusterSerializer

    clusters = [
        cluster
        if hasattr(cluster, "queue_position")
        else selectors.cluster_with_queue_position(cluster_id=cluster.id)
        for cluster in clusters
    ]
    return [dict(data) for data in ClusterSerializer(clusters, many=True).data]
