"""Shared fixtures.

Each `make test` run gets its own PostgreSQL database (PYK8S_TEST_DB_NAME) and its own
Redis key prefix (PYK8S_REDIS_PREFIX), both set by the Makefile, so runs on one machine
never see each other's data; the servers themselves come from tests/datastores.py.
"""

import json
import logging
import os

import pytest
import redis
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory
from tests.fakes.fixtures import fake_kind, fake_terminal_docker
from tests.make_run import start_run
from tests.stack import stack

__all__ = ["fake_kind", "fake_terminal_docker", "stack", "start_run"]


def pytest_configure(config):
    # `make test-fast` runs the suite in several processes (pytest-xdist): pytest-django gives
    # each its own database, and this its own Redis keys.
    if worker := os.environ.get("PYTEST_XDIST_WORKER"):
        prefix = f"{settings.PYK8S_REDIS_PREFIX}-{worker}"
        settings.PYK8S_REDIS_PREFIX = prefix
        settings.CACHES["default"]["KEY_PREFIX"] = prefix
        settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{prefix}:asgi"  # type: ignore[index]
        # The tasks this process queues go where its stack's workers (given the prefix) read.
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = f"{prefix}:celery:"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures see whether their test failed (the stack prints its processes' logs).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def flush_redis_prefix(url: str, prefix: str) -> None:
    """Delete this run's keys only: FLUSHDB would wipe every other run on the server."""
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _isolated_redis():
    # Read now: a test may point settings elsewhere, and is undone only after this teardown.
    url, prefix = settings.REDIS_URL, settings.PYK8S_REDIS_PREFIX
    flush_redis_prefix(url, prefix)
    yield
    flush_redis_prefix(url, prefix)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 at production cost takes ~0.1 s per hash; tests of hashing itself opt back in.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastPBKDF2PasswordHasher"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


def client_for(user) -> APIClient:
    """An API client logged in as `user` with a real access token from /auth/token."""
    client = APIClient()
    response = client.post(
        "/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def token_client(secret: str) -> APIClient:
    """An API client that presents this API token (pk8s_…), as PYK8S_TOKEN does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def owner_client(user) -> APIClient:
    return client_for(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return client_for(staff_user)


def record_sends(monkeypatch, task, record) -> None:
    """Call record(*args) for every message `task` would send, by delay or by apply_async
    (whatever queue it names), instead of sending it."""
    monkeypatch.setattr(task, "apply_async", lambda args=(), kwargs=None, **options: record(*args))


@pytest.fixture
def published(monkeypatch) -> list[tuple[int, dict]]:
    """Every event handed to the channel layer, as (user id, event), instead of sending it."""
    from pyk8s import realtime

    sent: list[tuple[int, dict]] = []

    def record(messages: list[tuple[int, dict]]) -> None:
        sent.extend(
            (user_id, m["event"]) for user_id, m in messages if m["type"] == "cluster.event"
        )

    monkeypatch.setattr(realtime, "_send", record)
    return sent


@pytest.fixture
def queued_tasks(monkeypatch) -> list[tuple[str, str | None]]:
    """The cluster tasks queued, as (task name, cluster id), instead of sending them to a broker
    (the placement of waiting clusters, about none in particular: ("clusters_dispatch", None)).

    They are queued with transaction.on_commit: in a test inside a transaction, use
    django_capture_on_commit_callbacks(execute=True) to run them.
    """
    from clusters import tasks

    queued: list[tuple[str, str | None]] = []
    for task in (tasks.cluster_provision, tasks.cluster_delete):
        name = task.name.rpartition(".")[2]
        record_sends(
            monkeypatch, task, lambda cluster_id, *_, name=name: queued.append((name, cluster_id))
        )
    record_sends(
        monkeypatch, tasks.clusters_dispatch, lambda: queued.append(("clusters_dispatch", None))
    )
    return queued


class CapturedLog:
    def __init__(self, caplog):
        self.caplog = caplog

    @property
    def text(self):
        return self.caplog.text

    def lines(self):
        return [json.loads(line) for line in self.text.splitlines()]

    def request_lines(self):
        return [line for line in self.lines() if line["logger"] == "pyk8s.request"]


@pytest.fixture
def log(caplog):
    """Every log line of the test as the production formatter writes it."""
    production_handler = next(h for h in logging.getLogger().handlers if h.name == "stdout")
    caplog.handler.setFormatter(production_handler.formatter)
    caplog.set_level(logging.INFO)
    return CapturedLog(caplog)


@pytest.fixture
def fresh_channel_layer():
    """A channel layer of this test's own: channels_redis binds its receive locks to the
    event loop that first used them, and each test runs a loop of its own."""
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
