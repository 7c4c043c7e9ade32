"""A /ws client in a thread that notes when each event arrives (wall clock, as the fake
kind's invocation log is)."""

import json
import threading
import time
from typing import Any

from websockets.sync.client import connect

from bench.harness import with_ticket


class Listener:
    def __init__(self, web_url: str, token: str) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.changed = threading.Condition()
        self.socket = connect(with_ticket(f"{web_url.replace('http', 'ws', 1)}/ws", token))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for message in self.socket:
            arrived = time.time()
            with self.changed:
                self.events.append((arrived, json.loads(message)))
                self.changed.notify_all()

    def arrival(self, match: Any, timeout: float) -> float:
        """When the first event for which match(event) is true arrived."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for arrived, event in self.events:
                    if match(event):
                        return arrived
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no matching event")
                self.changed.wait(left)

    def close(self) -> None:
        self.socket.close()
        self.thread.join(timeout=5)


def status_is(cluster_id: str, status: str) -> Any:
    def match(event: dict[str, Any]) -> bool:
        cluster = event.get("cluster") or {}
        return bool(
            event.get("type") == "cluster.status.changed"
            and cluster.get("id") == cluster_id
            and cluster.get("status") == status
        )

    return match
