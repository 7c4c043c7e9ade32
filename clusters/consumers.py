"""`/ws`: pushes each user's cluster events to that user's sockets, nothing else.

Authentication is a single-use ticket in the query string (`/ws?ticket=...`, from POST
/ws/ticket), as browsers cannot set headers on a WebSocket, and a token in a URL would end up
in access logs. A bad, used or expired ticket closes the socket with code 4401 right after the
handshake, so clients can tell "log in again" from a network failure; a good one keeps it
open only until the access token that got the ticket expires or is revoked (then 4401 too:
refresh, get a new ticket and reconnect).
"""

import asyncio
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.services import WebsocketTicket, websocket_ticket_redeem
from pyk8s.realtime import user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401


class ClusterEventsConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group: str | None = None
    jti: str | None = None
    session_generation = 0
    expiry: asyncio.TimerHandle | None = None

    async def connect(self) -> None:
        granted = await database_sync_to_async(_redeem_ticket)(self.scope["query_string"])
        if granted is None:
            await self.accept()  # so that the client reads why: 4401, not a failed handshake
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        user_id, expires_at = granted.user_id, granted.expires_at
        self.jti, self.session_generation = granted.access_token_id, granted.session_generation
        self.group = user_group(user_id)
        # Joined before the handshake completes: a client that acts as soon as it is
        # connected hears every event its action causes.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        loop = asyncio.get_running_loop()
        self.expiry = loop.call_later(
            max(0.0, expires_at - time.time()),
            lambda: asyncio.ensure_future(self.close(code=CLOSE_UNAUTHORIZED)),
        )
        logger.info("websocket connected", extra={"path": self.scope["path"], "user_id": user_id})

    async def disconnect(self, code: int) -> None:
        if self.expiry is not None:
            self.expiry.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients have nothing to say; what they send is ignored."""

    async def cluster_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def token_revoked(self, message: dict[str, Any]) -> None:
        if message["jti"] == self.jti:
            await self.close(code=CLOSE_UNAUTHORIZED)

    async def sessions_ended(self, message: dict[str, Any]) -> None:
        if self.session_generation < message["generation"]:
            await self.close(code=CLOSE_UNAUTHORIZED)


def _redeem_ticket(query_string: bytes) -> WebsocketTicket | None:
    tickets = parse_qs(query_string.decode("latin-1")).get("ticket", [])
    if len(tickets) != 1:
        return None
    return websocket_ticket_redeem(ticket=tickets[0])
