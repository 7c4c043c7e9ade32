"""`/ws`: pushes each user's cluster events to that user's sockets, nothing else.

Authentication is a single-use ticket in the query string (`/ws?ticket=...`, from POST
/ws/ticket), as browsers cannot set headers on a WebSocket, and a token in a URL would end up
in access logs. A bad, used or expired ticket closes the socket with code 4401 right after the
handshake, so clients can tell "log in again" from a network failure; a good one keeps it
open only until the access token that got the ticket expires or is revoked (then 4401 too:
refresh, get a new ticket and reconnect).
"""

import asyncio
import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from django.conf import settings

from accounts.models import ApiTokenScope, User
from accounts.permissions import scope_covers
from accounts.services import WebsocketTicket, websocket_ticket_redeem
from clusters import terminals
from clusters.models import ClusterStatus
from clusters.selectors import cluster_get
from pyk8s.errors import ApplicationError
from pyk8s.realtime import user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_REFUSED = 4409
# The relay checks the engine and the image and fetches the kubeconfig before it answers.
OPEN_TIMEOUT_SECONDS = 20.0
UNAVAILABLE = "the terminal is not available on this deployment: {}"


class _HeldByCredential:
    """A socket lives no longer than the credential whose ticket opened it: it closes (4401)
    when that is logged out or revoked, or when every session of the account ends (not for
    API tokens, which outlive sessions); with `until_expiry`, also when it expires."""

    credential_id = ""
    session_generation: int | None = None
    group: str | None = None
    expiry: asyncio.TimerHandle | None = None

    async def _hold(self: Any, granted: WebsocketTicket, *, until_expiry: bool) -> None:
        self.credential_id = granted.credential_id
        self.session_generation = granted.session_generation
        self.group = user_group(granted.user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if until_expiry and granted.expires_at is not None:
            self.expiry = asyncio.get_running_loop().call_later(
                max(0.0, granted.expires_at - time.time()),
                lambda: asyncio.ensure_future(self.close(code=CLOSE_UNAUTHORIZED)),
            )

    async def _let_go(self: Any) -> None:
        if self.expiry is not None:
            self.expiry.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def token_revoked(self: Any, message: dict[str, Any]) -> None:
        if message["jti"] == self.credential_id:
            await self.close(code=CLOSE_UNAUTHORIZED)

    async def sessions_ended(self: Any, message: dict[str, Any]) -> None:
        if self.session_generation is not None and self.session_generation < message["generation"]:
            await self.close(code=CLOSE_UNAUTHORIZED)


class ClusterEventsConsumer(_HeldByCredential, AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        granted = await database_sync_to_async(_redeem_ticket)(self.scope["query_string"])
        if granted is None:
            await self.accept()  # so that the client reads why: 4401, not a failed handshake
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        # Joined before the handshake completes: a client that acts as soon as it is
        # connected hears every event its action causes.
        # Clients reconnect with a fresh ticket: nothing is lost.
        await self._hold(granted, until_expiry=True)
        await self.accept()
        logger.info(
            "websocket connected", extra={"path": self.scope["path"], "user_id": granted.user_id}
        )

    async def disconnect(self, code: int) -> None:
        await self._let_go()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients have nothing to say; what they send is ignored."""

    async def cluster_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])


def _redeem_ticket(query_string: bytes) -> WebsocketTicket | None:
    tickets = parse_qs(query_string.decode("latin-1")).get("ticket", [])
    if len(tickets) != 1:
        return None
    return websocket_ticket_redeem(ticket=tickets[0])


class TerminalConsumer(_HeldByCredential, AsyncWebsocketConsumer):  # type: ignore[misc]
    """`/ws/clusters/<id>/terminal`: a shell in a throwaway container next to the owner's
    running cluster, run by the relay of the cluster's Docker host (clusters.relay).

    Binary frames carry terminal bytes both ways; text frames carry JSON control messages:
    `{"type": "resize", "cols": .., "rows": ..}` from the client, `{"type": "exit", "code":
    ..}` and `{"type": "error", "message": ..}` from the server, which then closes.
    """

    session_id = ""
    user_id: int | None = None
    relay_host = ""
    relay_session_channel = ""
    leased = False
    timers: list[asyncio.Task[None]]

    async def connect(self) -> None:
        self.timers = []
        granted = await database_sync_to_async(_redeem_ticket)(self.scope["query_string"])
        await self.accept()
        if granted is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        if granted.scope is not None and not scope_covers(
            granted.scope, ApiTokenScope.CLUSTERS_WRITE
        ):
            await self._refuse(
                f"A terminal needs an API token with scope {ApiTokenScope.CLUSTERS_WRITE}; "
                f"this one has {granted.scope}.",
                CLOSE_FORBIDDEN,
            )
            return
        # Not closed when the access token expires (minutes): that would end the shell. The
        # idle timeout and the cluster's own life bound the session instead.
        await self._hold(granted, until_expiry=False)
        self.user_id = granted.user_id
        self.pending: list[dict[str, Any]] = []
        cluster_id = self.scope["url_route"]["kwargs"]["cluster_id"]
        refusal = await database_sync_to_async(_terminal_refusal)(granted.user_id, cluster_id)
        if isinstance(refusal, tuple):
            await self._refuse(*refusal)
            return
        self.relay_host = refusal
        self.session_id = terminals.new_session_id()
        self.leased = await sync_to_async(terminals.terminal_lease_acquire)(
            user_id=granted.user_id, session_id=self.session_id
        )
        if not self.leased:
            limit = settings.PYK8S_TERMINALS_PER_USER
            await self._refuse(
                f"You already have {limit} terminal(s) open, the most allowed "
                "(PYK8S_TERMINALS_PER_USER): close one first.",
                CLOSE_REFUSED,
            )
            return
        await self.channel_layer.send(
            terminals.relay_channel(self.relay_host),
            {
                "type": "terminal.open",
                "session": self.session_id,
                "reply": self.channel_name,
                "user_id": granted.user_id,
                "cluster_id": cluster_id,
                **_size(self.scope["query_string"]),
            },
        )
        self.timers = [
            asyncio.create_task(self._no_answer()),
            asyncio.create_task(self._renew_lease()),
        ]

    async def disconnect(self, code: int) -> None:
        await self._release()
        await self._let_go()

    async def cluster_event(self, message: dict[str, Any]) -> None:
        """The user's cluster events reach this socket too (it joins the user's group to
        hear of revoked credentials); a terminal has no use for them."""

    async def _release(self) -> None:
        """Tell the relay the session is over and free the user's slot; once, whichever of
        the server or the client closed first."""
        for timer in self.timers:
            if timer is not asyncio.current_task():
                timer.cancel()
        if not self.session_id:
            return
        session_id, self.session_id = self.session_id, ""
        with contextlib.suppress(Exception):
            if self.relay_session_channel:
                await self.channel_layer.send(
                    self.relay_session_channel, {"type": "terminal.close"}
                )
            else:
                await self.channel_layer.send(
                    terminals.relay_channel(self.relay_host),
                    {"type": "terminal.cancel", "session": session_id},
                )
        if self.leased and self.user_id is not None:
            await sync_to_async(terminals.terminal_lease_release)(
                user_id=self.user_id, session_id=session_id
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.session_id:
            return
        if bytes_data is not None:
            await self._to_relay({"type": "terminal.input", "data": bytes_data})
            return
        try:
            control = json.loads(text_data or "")
        except ValueError:
            return
        if isinstance(control, dict) and control.get("type") == "resize":
            cols, rows = control.get("cols"), control.get("rows")
            await self._to_relay({"type": "terminal.resize", "cols": cols, "rows": rows})

    async def terminal_opened(self, message: dict[str, Any]) -> None:
        self.relay_session_channel = message["channel"]
        self.timers[0].cancel()
        for pending in self.pending:
            await self.channel_layer.send(self.relay_session_channel, pending)
        self.pending.clear()

    async def terminal_output(self, message: dict[str, Any]) -> None:
        await self.send(bytes_data=message["data"])

    async def terminal_exit(self, message: dict[str, Any]) -> None:
        self.relay_session_channel = ""  # it is over: nothing to close
        await self.send(text_data=json.dumps({"type": "exit", "code": message["code"]}))
        await self.close()
        await self._release()

    async def terminal_error(self, message: dict[str, Any]) -> None:
        self.relay_session_channel = ""
        await self._refuse(message["message"], CLOSE_REFUSED)

    async def _to_relay(self, message: dict[str, Any]) -> None:
        if self.relay_session_channel:
            await self.channel_layer.send(self.relay_session_channel, message)
        else:
            self.pending.append(message)

    async def _refuse(self, message: str, code: int) -> None:
        await self.send(text_data=json.dumps({"type": "error", "message": message}))
        await self.close(code=code)
        await self._release()

    async def _no_answer(self) -> None:
        await asyncio.sleep(OPEN_TIMEOUT_SECONDS)
        await self._refuse(
            UNAVAILABLE.format(
                f"no terminal relay answers on the cluster's host {self.relay_host} (operator: "
                "run the `terminal` process there)"
            ),
            CLOSE_REFUSED,
        )

    async def _renew_lease(self) -> None:
        while True:
            await asyncio.sleep(terminals.RENEW_SECONDS)
            await sync_to_async(terminals.terminal_lease_renew)(
                user_id=self.user_id or 0, session_id=self.session_id
            )


def _terminal_refusal(user_id: int, cluster_id: str) -> str | tuple[str, int]:
    """The host whose relay runs the session, or why there is none (message, close code)."""
    if not settings.PYK8S_TERMINAL_IMAGE:
        return UNAVAILABLE.format("no terminal image is configured"), CLOSE_REFUSED
    try:
        cluster = cluster_get(owner=User.objects.get(pk=user_id), cluster_id=cluster_id)
    except (ApplicationError, User.DoesNotExist) as exc:
        return str(getattr(exc, "message", "Cluster not found.")), CLOSE_NOT_FOUND
    if cluster.status != ClusterStatus.RUNNING or cluster.host is None:
        return (
            f"The cluster is {cluster.status.lower()}: a terminal opens on a running cluster.",
            CLOSE_REFUSED,
        )
    return cluster.host.name


def _size(query_string: bytes) -> dict[str, int]:
    query = parse_qs(query_string.decode("latin-1"))
    size = {}
    for name in ("cols", "rows"):
        value = query.get(name, [""])[0]
        if value.isdigit():
            size[name] = int(value)
    return size
