"""4. WebSocket fan-out: 1,000 users each with one /ws connection to one daphne, one status
event per user through the product's own publishing, twice: each event published on its
own (latency from its publish; the target), then all in one publish_all as an expiry pass
sends them (latency from the start of the burst). Lost events, and the web process's
memory per connection.

Baseline, same run: the same event published to a single connected user (the floor of one
delivery), and daphne's memory before any connection."""

import asyncio
import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import websockets
from django.db import connection
from django.utils import timezone

from bench.harness import (
    Figure,
    percentiles,
    product_env,
    rss_bytes,
    running_stack,
    token,
    users,
    with_ticket,
)
from clusters.api.serializers import ClusterSerializer
from clusters.events import publish, publish_all
from clusters.models import Cluster

CONNECT_BATCH = 50
RECEIVE_TIMEOUT = 30.0
TARGET_P99_MS = 500.0


def run(work: Path, connections: int) -> list[Figure]:
    people = users(connections, "fanout")
    Cluster.objects.bulk_create(
        [
            Cluster(
                owner=person,
                name="f",
                runtime_name=f"pk-fan{n:08x}",
                status="RUNNING",
                kubernetes_version="1.33.1",
                ttl_expires_at=timezone.now() + timedelta(hours=1),
            )
            for n, person in enumerate(people)
        ]
    )
    clusters = {
        cluster.owner_id: cluster
        for cluster in Cluster.objects.with_queue_position().filter(owner__in=people)
    }
    events = {
        person.id: {
            "type": "cluster.status.changed",
            "cluster": json.loads(
                json.dumps(ClusterSerializer(clusters[person.id]).data, default=str)
            ),
        }
        for person in people
    }
    tokens = {person.id: token(person) for person in people}
    with running_stack(work / "logs") as stack:
        web = stack.start_web("web", **product_env())
        ws_url = f"{stack.web_url.replace('http', 'ws', 1)}/ws"
        single = asyncio.run(_deliveries(ws_url, {people[0].id: tokens[people[0].id]}, events, 50))
        idle = rss_bytes(web.pid)
        each, burst, lost, connected = asyncio.run(_fan_out(ws_url, tokens, events, web.pid))
    measured, at_once, floor = percentiles(each), percentiles(burst), percentiles(single)
    per_connection = (connected - idle) / connections
    return [
        Figure(
            name=f"/ws delivery, {connections} connections, one publish each, p99",
            value=measured["p99"],
            unit="ms",
            baseline=floor["p99"],
            baseline_name="one connection p99",
            target=f"p99 <= {TARGET_P99_MS:g} ms",
            met=measured["p99"] <= TARGET_P99_MS and not lost,
            details={"measured": measured, "baseline": floor},
        ),
        Figure(
            name=f"/ws delivery, {connections} connections, one burst, p99 from its start",
            value=at_once["p99"],
            unit="ms",
            baseline=floor["p99"],
            baseline_name="one connection p99",
            details={"measured": at_once},
        ),
        Figure(
            name=f"/ws events lost of {2 * connections}",
            value=lost,
            unit="events",
            target="none",
            met=lost == 0,
        ),
        Figure(
            name=f"daphne memory per /ws connection (idle RSS {idle / 2**20:.0f} MiB)",
            value=per_connection / 1024,
            unit="KiB",
            details={"rss_idle_bytes": idle, "rss_connected_bytes": connected},
        ),
    ]


async def _deliveries(
    url: str, tokens: dict[int, str], events: dict[int, dict[str, Any]], rounds: int
) -> list[float]:
    """One user, `rounds` events one after the other."""
    ((user_id, access),) = tokens.items()
    samples = []
    async with websockets.connect(with_ticket(url, access)) as socket:
        await asyncio.sleep(0.2)  # group_add is done once connect returns, but be sure
        for _ in range(rounds):
            sent = time.time()
            await asyncio.to_thread(_in_a_thread, publish, user_id, events[user_id])
            await socket.recv()
            samples.append((time.time() - sent) * 1000)
    return samples


async def _fan_out(
    url: str, tokens: dict[int, str], events: dict[int, dict[str, Any]], web_pid: int
) -> tuple[list[float], list[float], int, int]:
    """Every user connected, then one event each twice over: published one by one (each
    timed from its own publish), then all in one publish_all (each timed from the start of
    the burst). Returns both latency lists, the events lost and daphne's RSS."""
    sockets: dict[int, Any] = {}
    ids = list(tokens)
    for start in range(0, len(ids), CONNECT_BATCH):
        batch = ids[start : start + CONNECT_BATCH]
        opened = await asyncio.gather(
            *(websockets.connect(with_ticket(url, tokens[i]), open_timeout=60) for i in batch)
        )
        sockets.update(zip(batch, opened, strict=True))
    await asyncio.sleep(1)  # every consumer has joined its group
    connected = rss_bytes(web_pid)
    sent: dict[int, float] = {}

    async def receive(user_id: int) -> float | None:
        try:
            await asyncio.wait_for(sockets[user_id].recv(), RECEIVE_TIMEOUT)
        except TimeoutError:
            return None  # lost: counted, never waited for forever
        return (time.time() - sent[user_id]) * 1000

    def publish_one_by_one() -> None:
        for user_id in ids:
            sent[user_id] = time.time()
            publish(user_id, events[user_id])

    def publish_at_once() -> None:
        sent.update(dict.fromkeys(ids, time.time()))
        publish_all([(user_id, events[user_id]) for user_id in ids])

    arrivals = []
    for send in (publish_one_by_one, publish_at_once):
        receivers = [asyncio.create_task(receive(i)) for i in ids]
        await asyncio.to_thread(_in_a_thread, send)
        arrivals.append(await asyncio.gather(*receivers))
    await asyncio.gather(*(socket.close() for socket in sockets.values()))
    each, burst = ([ms for ms in got if ms is not None] for got in arrivals)
    lost = sum(ms is None for got in arrivals for ms in got)
    return each, burst, lost, connected


def _in_a_thread(send: Callable[..., None], *args: Any) -> None:
    """The product's own publishing, from a thread as in a worker; the database connection
    it opens there (to ask whether a transaction is open) is closed before the thread ends."""
    try:
        send(*args)
    finally:
        connection.close()
