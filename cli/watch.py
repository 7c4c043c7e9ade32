"""Following a cluster until it settles: live from /ws, falling back to polling."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Collection
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from cli.api import Cluster
from cli.cluster.format import humanize, waiting_for_slot
from cli.errors import CliError, ExitCode

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

    from cli.application import Application

POLL_INTERVAL_SECONDS = 2.0
# With no event for this long, check the cluster over REST in case an event was lost.
QUIET_CHECK_SECONDS = 15.0
# Closed by the server when the socket's access token expires: refresh, get a new ticket and
# reconnect.
TOKEN_EXPIRED_CLOSE_CODE = 4401
MAX_RECONNECTS = 5


class Deadline:
    """How long --wait may wait: `check` gives up once it has passed."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def left(self) -> float:
        return math.inf if self.at is None else max(0.0, self.at - time.monotonic())

    def check(self, cluster: Cluster) -> None:
        if self.seconds is not None and self.left() <= 0:
            queue = cluster.get("queue_position")
            where = f" ({waiting_for_slot(queue)})" if queue is not None else ""
            raise CliError(
                f"Gave up after waiting {humanize(timedelta(seconds=self.seconds))}: "
                f"{cluster['name']} is {cluster['status']}{where}. The server carries on; "
                f"`pyk8s cluster get {cluster['name']}` shows where it is.",
                ExitCode.TIMEOUT,
            )


class Progress:
    """Prints each status (and queue position) once, and kind's progress lines, on stderr."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.last_seen: tuple[str, Any] | None = None

    def cluster(self, cluster: Cluster) -> None:
        seen = (cluster["status"], cluster.get("queue_position"))
        if seen == self.last_seen:
            return
        self.last_seen = seen
        status, position = seen
        queue = f" ({waiting_for_slot(position)})" if position is not None else ""
        self.app.display_info(f"{cluster['name']}: {status}{queue}")

    def log(self, lines: list[str]) -> None:
        for line in lines:
            self.app.display_waiting(f"  {line}")


def wait_for_cluster(
    app: Application,
    cluster: Cluster,
    *,
    until: Collection[str],
    deadline: Deadline | None = None,
) -> Cluster:
    """The cluster once its status is one of `until`; past the deadline, a CliError (exit
    code 6) that says how long it waited and where the cluster is."""
    progress = Progress(app)
    progress.cluster(cluster)
    if cluster["status"] in until:
        return cluster
    deadline = deadline or Deadline(None)
    try:
        followed = _follow_live(app, cluster["id"], until, progress, deadline)
        if followed is not None:
            return followed
        app.display_waiting(
            f"Live updates are unavailable; checking every {POLL_INTERVAL_SECONDS:g} s."
        )
        return _poll(app, cluster["id"], until, progress, deadline)
    except KeyboardInterrupt:
        raise CliError(
            f"Stopped waiting; the server carries on. `pyk8s cluster get {cluster['name']}` "
            "shows where it is.",
            ExitCode.INTERRUPTED,
        ) from None


def _follow_live(
    app: Application,
    cluster_id: str,
    until: Collection[str],
    progress: Progress,
    deadline: Deadline,
) -> Cluster | None:
    """The settled cluster, or None when the socket cannot be opened or drops."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    for _ in range(MAX_RECONNECTS):
        try:
            ticket = app.api.request("POST", "/ws/ticket").json()["ticket"]
        except (CliError, ValueError, KeyError, TypeError):
            return None  # polling then reports what is wrong, if anything
        try:
            with connect(
                _websocket_url(app.api.base_url, ticket),
                open_timeout=10,
                user_agent_header="pyk8s-cli",
            ) as socket:
                # Events sent before the socket opened are lost: catch up over REST first.
                cluster = app.api.cluster(cluster_id)
                progress.cluster(cluster)
                while cluster["status"] not in until:
                    deadline.check(cluster)
                    wait = min(QUIET_CHECK_SECONDS, deadline.left())
                    cluster = _next_update(app, socket, cluster, progress, wait)
                return cluster
        except InvalidStatus as exc:
            if exc.response.status_code != 403:
                return None
            app.api.refresh()  # the handshake refuses an expired token with 403
        except ConnectionClosed as exc:
            if exc.rcvd is None or exc.rcvd.code != TOKEN_EXPIRED_CLOSE_CODE:
                return None
            app.api.refresh()
        except (OSError, TimeoutError, WebSocketException):
            return None
    return None


def _next_update(
    app: Application, socket: ClientConnection, cluster: Cluster, progress: Progress, wait: float
) -> Cluster:
    try:
        message = json.loads(socket.recv(timeout=wait))
    except TimeoutError:
        cluster = app.api.cluster(cluster["id"])
        progress.cluster(cluster)
        return cluster
    except ValueError:
        return cluster
    if not isinstance(message, dict):
        return cluster
    kind, changed = message.get("type"), message.get("cluster")
    if kind == "cluster.log" and message.get("cluster_id") == cluster["id"]:
        progress.log([str(line) for line in message.get("lines", [])])
        return cluster
    if not isinstance(changed, dict) or changed.get("id") != cluster["id"]:
        return cluster
    if kind == "cluster.status.changed":
        progress.cluster(changed)
        return changed
    return cluster


def _poll(
    app: Application,
    cluster_id: str,
    until: Collection[str],
    progress: Progress,
    deadline: Deadline,
) -> Cluster:
    while True:
        cluster = app.api.cluster(cluster_id)
        progress.cluster(cluster)
        if cluster["status"] in until:
            return cluster
        deadline.check(cluster)
        time.sleep(min(POLL_INTERVAL_SECONDS, deadline.left()))


def _websocket_url(api_url: str, ticket: str) -> str:
    """The socket's URL, with a single-use ticket (POST /ws/ticket): tokens never go in URLs,
    which proxies write to their access logs."""
    parts = urlsplit(api_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path}/ws?{urlencode({'ticket': ticket})}"
