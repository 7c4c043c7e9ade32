"""The terminal relay: one process per Docker host (`manage.py terminal_relay`, the Procfile's
`terminal`) that starts a throwaway container per terminal session and pumps its bytes to
and from the session's socket over the channel layer.

A Celery task is the wrong shape for a long interactive stream; this is a small asyncio
program instead. It reads session requests from its host's channel (clusters.terminals.
relay_channel), gives each session a channel of its own for input and resizes, and sends the
output to the socket's channel. A session ends when its socket closes, after
PYK8S_TERMINAL_IDLE_MINUTES without input, when the shell exits, or when the cluster leaves
RUNNING; its container is then removed and its process group killed.
"""

import asyncio
import contextlib
import logging
import os
import subprocess
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from clusters import terminals
from clusters.models import Cluster, ClusterStatus
from clusters.providers import ProviderError, get_provider
from clusters.providers.runner import CommandNotFound, PtyProcess, run_in_pty
from clusters.providers.terminal import (
    TerminalUnavailable,
    terminal_check_available,
    terminal_container_remove,
    terminal_run_argv,
)
from clusters.provisioning.reconcile import terminal_leftovers_remove

logger = logging.getLogger(__name__)

CHUNK_BYTES = 16 * 1024
# Output is read at most this often, so keystroke echoes and floods alike travel in few
# messages (at most 1/COALESCE_SECONDS a second per session).
COALESCE_SECONDS = 0.01
STATUS_POLL_SECONDS = 3.0
EXIT_WAIT_SECONDS = 5.0
UNAVAILABLE = "the terminal is not available on this deployment: {}"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _db(function: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(call, thread_sensitive=False)


class Session:
    def __init__(self, relay: "Relay", request: dict[str, Any]) -> None:
        self.relay = relay
        self.id: str = request["session"]
        self.reply: str = request["reply"]
        self.user_id: int = request["user_id"]
        self.cluster_id: str = request["cluster_id"]
        self.cols, self.rows = _size(request)
        self.channel = ""
        self.pty: PtyProcess | None = None
        self.bytes_in = self.bytes_out = 0
        self.last_input = time.monotonic()
        self.stopped = asyncio.Event()
        self.stop_reason = ""

    def stop(self, reason: str) -> None:
        self.stop_reason = self.stop_reason or reason
        self.stopped.set()

    async def run(self) -> None:
        layer = self.relay.layer
        started_at, started = _now(), time.monotonic()
        outcome: dict[str, Any] | None = None
        try:
            outcome = await self._start()
            if outcome is None and self.pty is not None:
                outcome = await self._pump(self.pty)
        except Exception:
            logger.exception("terminal session failed", extra={"session": self.id})
            outcome = {"type": "terminal.error", "message": "The terminal failed unexpectedly."}
        finally:
            code = self.pty.kill() if self.pty is not None else None
            if self.pty is not None:
                await asyncio.to_thread(terminal_container_remove, self.id)
            if outcome is not None and outcome["type"] == "terminal.exit":
                outcome["code"] = code if outcome.get("code") is None else outcome["code"]
            if outcome is not None:
                with contextlib.suppress(Exception):
                    await layer.send(self.reply, outcome)
            self.relay.sessions.pop(self.id, None)
            seconds = time.monotonic() - started
            if self.pty is not None:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(terminals.terminal_session_seconds_add, seconds)
            logger.info(
                "terminal session",
                extra={
                    "user_id": self.user_id,
                    "cluster_id": self.cluster_id,
                    "started_at": started_at,
                    "ended_at": _now(),
                    "bytes_in": self.bytes_in,
                    "bytes_out": self.bytes_out,
                    "end": (outcome or {}).get("type", "closed").removeprefix("terminal."),
                },
            )

    async def _start(self) -> dict[str, Any] | None:
        """Start the container; a refusal to send back instead (None: started)."""
        if len(self.relay.sessions) > settings.PYK8S_TERMINALS_PER_HOST:
            return _error(
                f"This cluster's host already runs its {settings.PYK8S_TERMINALS_PER_HOST} "
                "terminals (PYK8S_TERMINALS_PER_HOST); try again in a while."
            )
        runtime_name = await _db(_running_cluster_runtime_name)(self.cluster_id, self.relay.host)
        if runtime_name is None:
            return _error("The cluster is not running: a terminal opens on a running cluster.")
        try:
            await asyncio.to_thread(terminal_check_available)
            kubeconfig = await asyncio.to_thread(get_provider().internal_kubeconfig, runtime_name)
        except TerminalUnavailable as exc:
            return _error(UNAVAILABLE.format(exc))
        except ProviderError as exc:
            return _error(UNAVAILABLE.format(exc.message))
        argv = terminal_run_argv(
            session_id=self.id,
            network=runtime_name,
            hostname=runtime_name,
            host=self.relay.host,
            relay_id=self.relay.id,
        )
        try:
            self.pty = run_in_pty(
                argv, cols=self.cols, rows=self.rows, extra_env={"PYK8S_KUBECONFIG": kubeconfig}
            )
        except CommandNotFound:
            return _error(UNAVAILABLE.format("the cluster host has no docker CLI"))
        self.channel = await self.relay.layer.new_channel()
        opened = {"type": "terminal.opened", "channel": self.channel}
        await self.relay.layer.send(self.reply, opened)
        return None

    async def _pump(self, pty: PtyProcess) -> dict[str, Any] | None:
        tasks = {
            asyncio.create_task(self._output(pty), name="output"),
            asyncio.create_task(self._input(pty), name="input"),
            asyncio.create_task(self._idle(), name="idle"),
            asyncio.create_task(self.stopped.wait(), name="stopped"),
        }
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finished = done.pop()
        finished.result()  # an error in a pump is the session's error
        if finished.get_name() == "output":
            # The terminal closed: its command has exited, or will at the kill that follows.
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(pty.process.wait, EXIT_WAIT_SECONDS)
            return {"type": "terminal.exit", "code": None}
        if finished.get_name() == "idle":
            minutes = settings.PYK8S_TERMINAL_IDLE_MINUTES
            return _error(f"The terminal closed after {minutes:g} minutes without input.")
        if self.stop_reason:
            return _error(self.stop_reason)
        return None  # the socket closed: nobody to tell

    async def _output(self, pty: PtyProcess) -> None:
        """Shell output to the socket, at most PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND: past
        it, reading stops, the pty's buffer fills and the shell's writes block."""
        rate = settings.PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND
        allowance, last = float(rate), time.monotonic()
        while True:
            await _readable(pty.fd)
            try:
                data = os.read(pty.fd, CHUNK_BYTES)
            except BlockingIOError:
                continue
            except OSError:  # EIO: every process holding the terminal has exited
                return
            if not data:
                return
            self.bytes_out += len(data)
            await self.relay.layer.send(self.reply, {"type": "terminal.output", "data": data})
            now = time.monotonic()
            allowance = min(float(rate), allowance + (now - last) * rate) - len(data)
            last = now
            await asyncio.sleep(max(COALESCE_SECONDS, -allowance / rate))

    async def _input(self, pty: PtyProcess) -> None:
        while True:
            message = await self.relay.layer.receive(self.channel)
            kind = message.get("type")
            if kind == "terminal.input":
                data = bytes(message["data"])
                self.last_input = time.monotonic()
                self.bytes_in += len(data)
                await _write_all(pty.fd, data)
            elif kind == "terminal.resize":
                self.cols, self.rows = _size(message)
                pty.resize(cols=self.cols, rows=self.rows)
            elif kind == "terminal.close":
                return

    async def _idle(self) -> None:
        idle = settings.PYK8S_TERMINAL_IDLE_MINUTES * 60
        while (left := self.last_input + idle - time.monotonic()) > 0:
            await asyncio.sleep(left)


class Relay:
    """The sessions of one Docker host."""

    def __init__(self, *, host: str, layer: Any) -> None:
        self.host = host
        self.layer = layer
        self.id = uuid.uuid4().hex
        self.sessions: dict[str, Session] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        logger.info("terminal relay started", extra={"host": self.host, "relay": self.id})
        await asyncio.to_thread(terminals.relay_alive_mark, self.id)
        await asyncio.to_thread(terminal_leftovers_remove, host=self.host)
        loops = [
            asyncio.create_task(self._receive()),
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._watch_clusters()),
        ]
        try:
            await stop.wait()
        finally:
            for task in loops:
                task.cancel()
            await asyncio.wait(loops)
            for session in list(self.sessions.values()):
                session.stop("The terminal service on the cluster's host stopped.")
            if self.tasks:
                await asyncio.wait(self.tasks, timeout=30)
            logger.info("terminal relay stopped", extra={"host": self.host})

    async def _receive(self) -> None:
        channel = terminals.relay_channel(self.host)
        while True:
            message = await self.layer.receive(channel)
            if message.get("type") == "terminal.open":
                opened = Session(self, message)
                self.sessions[opened.id] = opened
                task = asyncio.create_task(opened.run())
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            elif message.get("type") == "terminal.cancel" and (
                session := self.sessions.get(message.get("session", ""))
            ):
                session.stop("")  # its socket closed before the session opened

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(terminals.RELAY_ALIVE_SECONDS / 3)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(terminals.relay_alive_mark, self.id)

    async def _watch_clusters(self) -> None:
        while True:
            await asyncio.sleep(STATUS_POLL_SECONDS)
            open_on = {s.cluster_id for s in self.sessions.values() if s.pty is not None}
            if not open_on:
                continue
            try:
                running = await _db(_running_cluster_ids)(open_on)
            except Exception:
                logger.warning("terminal relay: cluster statuses not read", exc_info=True)
                continue
            for session in list(self.sessions.values()):
                if session.pty is not None and session.cluster_id not in running:
                    session.stop("The cluster is no longer running: its terminal closed.")


def _running_cluster_runtime_name(cluster_id: str, host: str) -> str | None:
    return (
        Cluster.objects.filter(id=cluster_id, status=ClusterStatus.RUNNING, host__name=host)
        .values_list("runtime_name", flat=True)
        .first()
    )


def _running_cluster_ids(cluster_ids: set[str]) -> set[str]:
    ids = Cluster.objects.filter(id__in=cluster_ids, status=ClusterStatus.RUNNING)
    return {str(id_) for id_ in ids.values_list("id", flat=True)}


def _error(message: str) -> dict[str, Any]:
    return {"type": "terminal.error", "message": message}


def _size(message: dict[str, Any]) -> tuple[int, int]:
    def clamp(value: Any, default: int) -> int:
        return min(max(value, 1), 1000) if isinstance(value, int) else default

    return clamp(message.get("cols"), 80), clamp(message.get("rows"), 24)


async def _readable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        loop.remove_reader(fd)


async def _write_all(fd: int, data: bytes) -> None:
    while data:
        try:
            data = data[os.write(fd, data) :]
        except BlockingIOError:
            await asyncio.sleep(COALESCE_SECONDS)
