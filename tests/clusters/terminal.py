"""Terminal sessions for tests: a relay running in the test's event loop on the real channel
layer (Redis), and a socket to /ws/clusters/<id>/terminal read like a user would."""

import asyncio
import contextlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import websocket_ticket_issue
from clusters.relay import Relay
from pyk8s.asgi import application
from tests.clusters.hosts import register_host
from tests.factories import ClusterFactory


def new_host_name() -> str:
    return f"term-{uuid.uuid4().hex[:10]}"


def running_cluster(fake_kind: Any, *, host_name: str, **fields: Any):
    """A RUNNING cluster of a (new) user on host `host_name`, which kind knows too."""
    cluster = ClusterFactory.create(host=register_host(host_name), **fields)
    fake_kind.add_cluster(cluster.runtime_name)
    return cluster


@contextlib.asynccontextmanager
async def relay_running(host_name: str) -> AsyncIterator[Relay]:
    relay = Relay(host=host_name, layer=get_channel_layer())
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=40)


def _ticket(user, credential: Any = None) -> str:
    credential = credential or RefreshToken.for_user(user).access_token
    return websocket_ticket_issue(user=user, credential=credential)


class Terminal:
    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.output = b""
        self.control: list[dict[str, Any]] = []
        self.close_code: int | None = None

    async def send(self, data: bytes) -> None:
        await self.communicator.send_to(bytes_data=data)

    async def resize(self, cols: int, rows: int) -> None:
        await self.communicator.send_to(
            text_data=json.dumps({"type": "resize", "cols": cols, "rows": rows})
        )

    async def read_once(self, timeout: float) -> bool:
        """Take the next frame; False when none came within `timeout` or the socket closed."""
        if self.close_code is not None:
            return False
        try:
            message = await self.communicator.receive_output(timeout=timeout)
        except TimeoutError:
            return False
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            return False
        if message.get("bytes") is not None:
            self.output += message["bytes"]
        else:
            self.control.append(json.loads(message["text"]))
        return True

    async def expect(self, pattern: bytes, timeout: float = 10) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while (match := re.search(pattern, self.output)) is None:
            left = deadline - time.monotonic()
            if left <= 0 or (not await self.read_once(left) and self.close_code is not None):
                raise AssertionError(f"no {pattern!r} in {self.output[-500:]!r} {self.control}")
        return match

    async def until_closed(self, timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while self.close_code is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"still open; output {self.output[-300:]!r}")
            await self.read_once(left)
        return self.close_code

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.communicator.disconnect()


async def open_terminal(
    user, cluster_id: object, query: str = "", credential: Any = None
) -> Terminal:
    """A terminal socket opened with a ticket for the user's access token, or for this
    credential (an ApiToken)."""
    ticket = await database_sync_to_async(_ticket)(user, credential)
    path = f"/ws/clusters/{cluster_id}/terminal?ticket={ticket}{query}"
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    return Terminal(communicator)
