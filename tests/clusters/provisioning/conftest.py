"""The provisioning engine run in-process against the fake kind, as a host's worker runs it."""

import pytest

from clusters import provisioning, tasks
from tests.conftest import record_sends


@pytest.fixture(autouse=True)
def kind(fake_kind, settings):
    settings.PYK8S_HEARTBEAT_SECONDS = 0.2
    return fake_kind


@pytest.fixture
def host(settings):
    """This process is the worker of host-a, which has just registered."""
    settings.PYK8S_WORKER_HOST = "host-a"
    return provisioning.worker_host_register(
        name="host-a", max_concurrent_provisions=settings.PYK8S_MAX_CONCURRENT_PROVISIONS
    )


@pytest.fixture(autouse=True)
def no_celery(monkeypatch):
    """Record what would be queued instead of sending it: these tests run services directly."""
    queued: list[tuple] = []
    for task, name in (
        (tasks.cluster_provision, "provision"),
        (tasks.cluster_delete, "delete"),
        (tasks.clusters_reconcile_host, "reconcile_host"),
        (tasks.clusters_dispatch, "dispatch"),
    ):
        record_sends(monkeypatch, task, lambda *args, name=name: queued.append((name, *args)))
    return queued
