"""Events across processes: real daphne, a real Celery worker, Redis between them, and a
WebSocket client that watches its clusters come and go."""

import contextlib
import json
import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.factories import PASSWORD
from tests.stack import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


class Watcher:
    """A /ws client recording every event with the moment it arrived."""

    def __init__(self, url: str, token: str) -> None:
        self.events: list[tuple[float, dict]] = []
        self.exit_stack = contextlib.ExitStack()
        ticket = httpx.post(
            f"{url}/ws/ticket", headers={"Authorization": f"Bearer {token}"}
        ).json()["ticket"]
        self.socket = self.exit_stack.enter_context(
            connect(f"{url.replace('http', 'ws', 1)}/ws?ticket={ticket}")
        )
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):  # the server may close it (1011, 4401)
            for message in self.socket:
                self.events.append((time.time(), json.loads(message)))

    def statuses(self, cluster_id: str) -> list[str]:
        return [
            event["cluster"]["status"]
            for _, event in self.events
            if event["type"] == "cluster.status.changed" and event["cluster"]["id"] == cluster_id
        ]

    def reached(self, cluster_id: str, status: str, timeout: float = 30) -> None:
        wait_until(
            lambda: status in self.statuses(cluster_id), timeout=timeout, what=f"{status} event"
        )

    def arrival(self, cluster_id: str, status: str) -> tuple[float, dict]:
        return next(
            (at, event["cluster"])
            for at, event in self.events
            if event["type"] == "cluster.status.changed"
            and event["cluster"]["id"] == cluster_id
            and event["cluster"]["status"] == status
        )

    def close(self) -> None:
        self.exit_stack.close()
        self.thread.join(timeout=5)


def login(url: str, user) -> tuple[httpx.Client, str]:
    tokens = httpx.post(
        f"{url}/auth/token", json={"email": user.email, "password": PASSWORD}
    ).json()
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['access']}"})
    return client, tokens["access"]


def test_the_owner_watches_create_and_delete_live(stack, fake_kind, user, other_user):
    fake_kind.set_create_delay(1.0)
    stack.start_worker(**fake_kind.worker_env)
    stack.start_web()
    # Another web process: events reach sockets on every replica, through Redis.
    second_web = stack.start_web("web-2")
    client, token = login(stack.web_url, user)
    _, other_token = login(stack.web_url, other_user)
    owner = Watcher(second_web.url, token)
    stranger = Watcher(stack.web_url, other_token)
    try:
        created = client.post("/clusters/", json={"name": "live", "workers": 1}).json()
        cluster_id = created["id"]
        owner.reached(cluster_id, "RUNNING")
        client.delete(f"/clusters/{cluster_id}/")
        owner.reached(cluster_id, "DELETED")

        statuses = owner.statuses(cluster_id)
        assert statuses[0] == "PROVISIONING"
        assert statuses[-3:] == ["RUNNING", "DELETING", "DELETED"]
        assert statuses.index("RUNNING") == len(statuses) - 3  # never backwards

        running_at = next(
            i
            for i, (_, e) in enumerate(owner.events)
            if e.get("cluster", {}).get("status") == "RUNNING"
        )
        lines = [
            line
            for _, e in owner.events[:running_at]
            if e["type"] == "cluster.log"
            for line in e["lines"]
        ]
        steps = [
            line
            for line in lines
            if "Starting control-plane" in line or "Joining worker nodes" in line
        ]
        assert steps
        assert "Starting control-plane" in steps[0]
        assert all(
            e["cluster_id"] == cluster_id for _, e in owner.events if e["type"] == "cluster.log"
        )

        # The same object as GET /clusters/{id}/ (but for the fields that moved on since).
        _, event_cluster = owner.arrival(cluster_id, "DELETED")
        assert event_cluster == client.get(f"/clusters/{cluster_id}/").json()
        assert stranger.events == []
    finally:
        owner.close()
        stranger.close()

    web_log = stack.processes[1].log() + second_web.log()
    assert '"path": "/clusters/"' in web_log  # requests are logged...
    assert token not in web_log
    assert other_token not in web_log
