"""Messages to a user's open sockets (`/ws`), through the channel layer (Redis).

Sent only after the database commit they describe, so a client never hears of a state it
cannot then read. What the messages say is up to the apps: clusters.events builds cluster
events; a logout closes the sockets of the token it revoked (token.revoked), and ending every
session of an account closes all of its sockets (sessions.ended).
"""

import asyncio
import concurrent.futures
import functools
import os
import threading
from collections import defaultdict
from collections.abc import Coroutine, Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

# A burst's sends in flight at once, each on its own Redis connection.
SEND_CONCURRENCY = 16
# Past this (Redis unreachable), the events are given up; the change itself stands.
SEND_TIMEOUT_SECONDS = 30.0


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def access_token_revoked(user_id: int, jti: str) -> None:
    """Close the user's sockets opened with this access token (revoked by a logout): a
    socket never outlives its credentials."""
    send_on_commit([(user_id, {"type": "token.revoked", "jti": jti})])


def sessions_ended(user_id: int, generation: int) -> None:
    """Close the user's sockets opened with tokens from before session generation
    `generation` (every session of the account was ended)."""
    send_on_commit([(user_id, {"type": "sessions.ended", "generation": generation})])


def send_on_commit(messages: Iterable[tuple[int, dict[str, Any]]]) -> None:
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
