"""Every task about a placed cluster goes to its host's Celery queue, whoever sends it; kind
never runs for a cluster on another host's worker."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import provisioning, tasks
from clusters.models import ClusterStatus
from pyk8s.celery import app
from tests.clusters.hosts import register_host
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db


def queue_of(task, *args) -> str:
    """The queue Celery's configured router picks for this call."""
    options = app.amqp.router.route({}, task.name, args, {})
    return str(options["queue"].name)


def test_tasks_about_a_placed_cluster_go_to_its_host():
    cluster = ClusterFactory.create(host=register_host("docker-7"))

    assert queue_of(tasks.cluster_provision, str(cluster.id), 1) == "host.docker-7"
    assert queue_of(tasks.cluster_delete, str(cluster.id)) == "host.docker-7"
    assert queue_of(tasks.cluster_refresh_kubeconfig, str(cluster.id)) == "host.docker-7"
    assert queue_of(tasks.clusters_reconcile_host, "docker-7") == "host.docker-7"


def test_everything_else_goes_to_the_default_queue():
    waiting = ClusterFactory.create(status=ClusterStatus.PROVISIONING)  # no host yet

    assert queue_of(tasks.cluster_delete, str(waiting.id)) == "celery"
    assert queue_of(tasks.clusters_reconcile) == "celery"
    assert queue_of(tasks.clusters_expire) == "celery"


def test_a_queue_chosen_by_the_sender_is_kept_without_a_lookup(django_assert_num_queries):
    cluster = ClusterFactory.create(host=register_host("docker-7"))

    with django_assert_num_queries(0):
        options = app.amqp.router.route(
            {"queue": "host.docker-7"}, tasks.cluster_delete.name, (str(cluster.id),), {}
        )

    assert options["queue"].name == "host.docker-7"


def test_expiry_sends_each_delete_straight_to_its_host(
    monkeypatch, django_capture_on_commit_callbacks
):
    expired = timezone.now() - timedelta(minutes=1)
    placed = ClusterFactory.create(host=register_host("docker-7"), ttl_expires_at=expired)
    never_placed = ClusterFactory.create(status=ClusterStatus.PROVISIONING, ttl_expires_at=expired)
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        tasks.cluster_delete,
        "apply_async",
        lambda args, queue: sent.append((args[0], queue)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        provisioning.cluster_expire_due()

    assert sorted(sent) == sorted(
        [(str(placed.id), "host.docker-7"), (str(never_placed.id), "celery")]
    )


def test_a_delete_that_reached_another_host_is_forwarded(
    settings, fake_kind, queued_tasks, django_capture_on_commit_callbacks
):
    settings.PYK8S_WORKER_HOST = "docker-1"
    cluster = ClusterFactory.create(status=ClusterStatus.DELETING, host=register_host("docker-7"))

    with django_capture_on_commit_callbacks(execute=True):
        provisioning.cluster_delete(cluster_id=str(cluster.id))

    assert fake_kind.invocations() == []
    assert queued_tasks == [("cluster_delete", str(cluster.id))]
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETING


def test_a_create_for_a_cluster_placed_elsewhere_is_dropped(settings, fake_kind, queued_tasks):
    settings.PYK8S_WORKER_HOST = "docker-1"
    register_host("docker-7")
    ClusterFactory.create(status=ClusterStatus.PROVISIONING)
    (cluster,) = provisioning.cluster_dispatch_waiting()

    provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=cluster.attempt)

    assert fake_kind.invocations() == []
    cluster.refresh_from_db()
    assert (cluster.status, cluster.runner) == (ClusterStatus.PROVISIONING, "")
