"""kind's output, live: to the owner's sockets and into the cluster's row, with the heartbeat
that tells the reconciler a create or delete is alive."""

import logging
import threading
from collections import deque

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from clusters import events
from clusters.models import Cluster

logger = logging.getLogger(__name__)

LOG_LINES_KEPT = 200
LOG_FLUSH_SECONDS = 0.2


class LiveLog:
    """kind's output as it arrives: batched to the owner's sockets and into the row's
    provisioning log, plus the heartbeat that tells the reconciler this run is alive.

    A background thread flushes every LOG_FLUSH_SECONDS, so lines reach the user while kind
    is silent for a while; `close` flushes what is left, in order, before the caller
    publishes the final status.
    """

    def __init__(self, cluster: Cluster, runner: str | None) -> None:
        self.cluster = cluster
        self.runner = runner
        self.kept: deque[str] = deque(maxlen=LOG_LINES_KEPT)
        self.pending: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pyk8s-live-log", daemon=True)
        self.last_heartbeat = timezone.now()

    def __enter__(self) -> "LiveLog":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()
        self._flush()

    def add(self, line: str) -> None:
        with self.lock:
            self.pending.append(line)

    def _run(self) -> None:
        try:
            while not self.stop.wait(LOG_FLUSH_SECONDS):
                self._flush()
        finally:
            connection.close()  # this thread's own database connection

    def _flush(self) -> None:
        with self.lock:
            lines, self.pending = self.pending, []
        now = timezone.now()
        heartbeat_due = (
            now - self.last_heartbeat
        ).total_seconds() >= settings.PYK8S_HEARTBEAT_SECONDS
        if not lines and not heartbeat_due:
            return
        self.kept.extend(lines)
        changes: dict[str, object] = {"heartbeat_at": now}
        if lines:
            changes["provisioning_log"] = "\n".join(self.kept)
        try:
            close_old_connections()
            rows = Cluster.objects.filter(id=self.cluster.id)
            if self.runner is not None:
                rows = rows.filter(runner=self.runner)
            rows.update(**changes)
            self.last_heartbeat = now
            if lines:
                events.cluster_log(self.cluster, lines)
        except Exception:  # a database or Redis blip must not kill the kind run it reports on
            logger.exception("live log flush failed", extra={"cluster_id": self.cluster.id})
