"""`pyk8s cluster shell`: the cluster's terminal session (/ws/clusters/<id>/terminal) in the
user's own terminal, in raw mode, with window-size changes forwarded."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import termios
import threading
import tty
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from cli.errors import CliError, ExitCode

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

    from cli.application import Application

CHUNK_BYTES = 16 * 1024


@dataclass
class Ending:
    code: int | None = None
    error: str = ""


def shell_session(app: Application, cluster_id: str) -> int:
    """Run the session to its end; the shell's exit code. The user's terminal is restored
    however it ends: exit, Ctrl-C before the session opened, or a dropped connection."""
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    stdin, stdout = sys.stdin.fileno(), sys.stdout.fileno()
    cols, rows = os.get_terminal_size(stdout)
    ticket = app.api.request("POST", "/ws/ticket").json()["ticket"]
    url = _terminal_url(app.api.base_url, cluster_id, ticket=ticket, cols=cols, rows=rows)
    try:
        socket = connect(url, open_timeout=10, user_agent_header="pyk8s-cli", max_size=None)
    except (OSError, TimeoutError, InvalidStatus, WebSocketException) as exc:
        raise CliError(f"Could not open the terminal: {exc}", ExitCode.UNREACHABLE) from None
    ending = Ending()
    saved = termios.tcgetattr(stdin)
    resized = threading.Event()
    previous = signal.signal(signal.SIGWINCH, lambda *_: resized.set())
    try:
        tty.setraw(stdin)
        receiver = threading.Thread(target=_receive, args=(socket, stdout, ending), daemon=True)
        receiver.start()
        _send_input(socket, stdin, stdout, receiver, resized)
    finally:
        termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        signal.signal(signal.SIGWINCH, previous)
        socket.close()
    if ending.error:
        raise CliError(ending.error, ExitCode.ERROR)
    if ending.code is None:
        raise CliError("The connection to the terminal dropped.", ExitCode.UNREACHABLE)
    return ending.code


def _send_input(
    socket: ClientConnection,
    stdin: int,
    stdout: int,
    receiver: threading.Thread,
    resized: threading.Event,
) -> None:
    from websockets.exceptions import ConnectionClosed

    while receiver.is_alive():
        if resized.is_set():
            resized.clear()
            cols, rows = os.get_terminal_size(stdout)
            with contextlib.suppress(ConnectionClosed):
                socket.send(json.dumps({"type": "resize", "cols": cols, "rows": rows}))
        try:
            ready, _, _ = select.select([stdin], [], [], 0.1)
        except InterruptedError:  # SIGWINCH
            continue
        if not ready:
            continue
        data = os.read(stdin, CHUNK_BYTES)
        if not data:
            return
        try:
            socket.send(data)
        except ConnectionClosed:
            return


def _receive(socket: ClientConnection, stdout: int, ending: Ending) -> None:
    from websockets.exceptions import ConnectionClosed

    try:
        for frame in socket:
            if isinstance(frame, bytes):
                _write_all(stdout, frame)
                continue
            with contextlib.suppress(ValueError, TypeError):
                _control(json.loads(frame), ending)
    except ConnectionClosed:
        pass
    except OSError:
        pass


def _control(message: Any, ending: Ending) -> None:
    if not isinstance(message, dict):
        return
    if message.get("type") == "exit":
        code = message.get("code")
        ending.code = code if isinstance(code, int) else 1
    elif message.get("type") == "error":
        ending.error = str(message.get("message", "The terminal ended."))


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _terminal_url(api_url: str, cluster_id: str, **query: Any) -> str:
    parts = urlsplit(api_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = f"{parts.path}/ws/clusters/{cluster_id}/terminal"
    return f"{scheme}://{parts.netloc}{path}?{urlencode(query)}"
