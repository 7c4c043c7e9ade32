"""4. WebSocket fan-out: 1,000 users each with one /ws connection to one daphne, one status
event per user, published in one burst by the product's own events.publish_all: delivery
latency from the start of the burst, lost events, and the web process's memory per
connection.

Baseline, same run: the same event published to a single connected user (the floor of one
delivery), and daphne's memory before any connection."""

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import websockets
from django.utils import timezone

from bench.harness import Figure, percentiles, product_env, rss_bytes, running_stack, token, users
from clusters.api.serializers import ClusterSerializer
from clusters.events import publish, publish_all
from clusters.models import Cluster
from clusters.selectors import with_queue_position

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
        for cluster in with_queue_position(Cluster.objects.filter(owner__in=people))
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
        all_users, lost, connected = asyncio.run(_fan_out(ws_url, tokens, events, web.pid))
    measured, floor = percentiles(all_users), percentiles(single)
    per_connection = (connected - idle) / connections
    return [
        Figure(
            name=f"/ws delivery, {connections} connections p99",
            value=measured["p99"],
            unit="ms",
            baseline=floor["p99"],
            baseline_name="one connection p99",
            target=f"p99 <= {TARGET_P99_MS:g} ms",
            met=measured["p99"] <= TARGET_P99_MS and not lost,
            details={"measured": measured, "baseline": floor},
        ),
        Figure(
            name=f"/ws events lost of {connections}",
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
    async with websockets.connect(f"{url}?token={access}") as socket:
        await asyncio.sleep(0.2)  # group_add is done once connect returns, but be sure
        for _ in range(rounds):
            sent = time.time()
            await asyncio.to_thread(publish, user_id, events[user_id])
            await socket.recv()
            samples.append((time.time() - sent) * 1000)
    return samples


async def _fan_out(
    url: str, tokens: dict[int, str], events: dict[int, dict[str, Any]], web_pid: int
) -> tuple[list[float], int, int]:
    sockets: dict[int, Any] = {}
    ids = list(tokens)
    for start in range(0, len(ids), CONNECT_BATCH):
        batch = ids[start : start + CONNECT_BATCH]
        opened = await asyncio.gather(
            *(websockets.connect(f"{url}?token={tokens[i]}", open_timeout=60) for i in batch)
        )
        sockets.update(zip(batch, opened, strict=True))
    await asyncio.sleep(1)  # every consumer has joined its group
    connected = rss_bytes(web_pid)

    async def receive(user_id: int) -> float | None:
        try:
            await asyncio.wait_for(sockets[user_id].recv(), RECEIVE_TIMEOUT)
        except TimeoutError:
            return None  # lost: counted, never waited for forever
        return time.time() - sent

    receivers = [asyncio.create_task(receive(i)) for i in ids]
    sent = time.time()
    # One burst through the product's own publishing, as an expiry pass sends it; each
    # delivery is timed from the start of the burst.
    await asyncio.to_thread(publish_all, [(user_id, events[user_id]) for user_id in ids])
    arrivals = await asyncio.gather(*receivers)
    await asyncio.gather(*(socket.close() for socket in sockets.values()))
    latencies = [seconds * 1000 for seconds in arrivals if seconds is not None]
    return latencies, len(arrivals) - len(latencies), connected
