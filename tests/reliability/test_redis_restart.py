"""Redis restarted (empty) while the stack runs: requests during the outage are answered
503 or succeed, never 500; every accepted create reaches a final state once Redis is
back, with nothing restarted but Redis."""

import asyncio
import threading
import time

import httpx
import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from clusters import events
from clusters.models import Cluster, ClusterStatus
from pyk8s import realtime
from tests.clusters.test_realtime import Watcher
from tests.factories import PASSWORD, UserFactory
from tests.reliability.servers import private_redis
from tests.stack import wait_until

__all__ = ["private_redis"]

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 3


def login(url: str) -> httpx.Client:
    user = UserFactory.create()
    tokens = httpx.post(f"{url}/auth/token", json={"email": user.email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {tokens.json()['access']}"}, timeout=10
    )


def token_of(client: httpx.Client) -> str:
    return str(client.headers["Authorization"].removeprefix("Bearer "))


def send_requests(clients: list[httpx.Client], stop: threading.Event, answers: list) -> None:
    """Creates, lists and readiness probes, until told to stop."""
    n = 0
    while not stop.is_set():
        client = clients[n % len(clients)]
        for method, path, body in [
            ("POST", "/clusters/", {"name": f"during-{n}"}),
            ("GET", "/clusters/", None),
            ("GET", "/health/ready", None),
        ]:
            response = client.request(method, path, json=body)
            answers.append((method, path, response.status_code, response.text[:200]))
        n += 1
        time.sleep(0.05)


def restart_under_traffic(private_redis, clients: list[httpx.Client]) -> list:
    answers: list = []
    stop = threading.Event()
    traffic = threading.Thread(target=send_requests, args=(clients, stop, answers))
    private_redis.stop()
    traffic.start()
    time.sleep(OUTAGE_SECONDS)
    private_redis.start()
    time.sleep(1)
    stop.set()
    traffic.join(timeout=30)
    return answers


def test_requests_during_the_outage_get_503_never_500(stack, private_redis):
    stack.start_web(REDIS_URL=private_redis.url)
    clients = [login(stack.web_url) for _ in range(2)]

    answers = restart_under_traffic(private_redis, clients)

    statuses = {status for _, _, status, _ in answers}
    assert 503 in statuses  # the outage was seen...
    assert statuses <= {200, 202, 400, 409, 503}, answers  # ...and no request failed with it
    unavailable = next(body for _, path, status, body in answers if status == 503)
    assert '"code"' in unavailable
    assert clients[0].get("/clusters/").status_code == 200  # the same web process serves again


def test_every_accepted_create_finishes_after_redis_returns(stack, fake_kind, private_redis):
    # Beat reads its schedule from the table: reconcile every second instead of minutes.
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update(interval=every)
    fake_kind.set_create_delay(1.5)
    env = {
        "REDIS_URL": private_redis.url,
        **fake_kind.worker_env,
        "PYK8S_MAX_CONCURRENT_PROVISIONS": 2,
        "PYK8S_HEARTBEAT_SECONDS": 0.3,
        "PYK8S_STALE_SECONDS": 3,
    }
    worker = stack.start_worker(**env)
    stack.start_web(**env)
    stack.start_beat(**env)
    clients = [login(stack.web_url) for _ in range(3)]
    for i, client in enumerate(clients):
        for j in range(2):
            response = client.post("/clusters/", json={"name": f"before-{i}-{j}"})
            assert response.status_code == 202, response.text
    wait_until(fake_kind.running, timeout=15, what="kind to start")

    restart_under_traffic(private_redis, clients)
    # A worker that gave up stays up but consumes nothing, so its log is what tells.
    assert "Unrecoverable error" not in worker.log(), worker.tail()

    # A create answered 503 may still have been recorded: it must finish like the others.
    def all_final() -> bool:
        unfinished = Cluster.objects.exclude(
            status__in=[ClusterStatus.RUNNING, ClusterStatus.ERROR]
        )
        return not unfinished.exists()

    wait_until(all_final, timeout=30, interval=0.5, what="every accepted create to finish")
    assert not Cluster.objects.filter(holds_slot=True).exists()


def test_a_socket_open_across_the_restart_hears_what_happens_after_it(stack, private_redis):
    """Events published once Redis is back reach a socket opened before the outage (or the
    socket is closed, so that its client reconnects): it never goes silently deaf."""
    stack.start_web(REDIS_URL=private_redis.url)
    client = login(stack.web_url)
    watcher = Watcher(stack.web_url, token_of(client))
    try:
        created = client.post("/clusters/", json={"name": "before"}).json()
        watcher.reached(created["id"], "PROVISIONING", timeout=10)

        private_redis.stop()
        time.sleep(OUTAGE_SECONDS)
        private_redis.start()
        wait_until(
            lambda: client.get("/health/ready").status_code == 200,
            timeout=20,
            what="readiness after the restart",
        )
        created = client.post("/clusters/", json={"name": "after"}).json()

        wait_until(
            lambda: (
                created["id"] in {e.get("cluster", {}).get("id") for _, e in watcher.events}
                or not watcher.thread.is_alive()
            ),
            timeout=15,
            what="the event, or the socket closed",
        )
    finally:
        watcher.close()


def test_a_process_that_published_before_the_restart_publishes_after_it(private_redis, settings):
    """The publishing loop keeps its Redis connections (clusters.events): the first event
    after a restart must not be lost on a connection the restart closed."""
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {
                "hosts": [
                    {
                        **settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0],
                        "address": private_redis.url,
                    }
                ]
            },
        }
    }
    layer = get_channel_layer()

    def listener() -> str:  # a socket's channel in its user's group, as /ws makes it
        channel: str = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(realtime.user_group(7), channel)
        return channel

    async def receive(channel: str) -> object:
        return (await asyncio.wait_for(layer.receive(channel), 10))["event"]

    channel = listener()
    events.publish(7, {"type": "test", "n": 1})
    assert async_to_sync(receive)(channel) == {"type": "test", "n": 1}

    private_redis.stop()
    private_redis.start()
    channel = listener()  # the reconnected socket
    events.publish(7, {"type": "test", "n": 2})

    assert async_to_sync(receive)(channel) == {"type": "test", "n": 2}
