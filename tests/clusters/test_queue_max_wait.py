"""When every host is full, a create waits in the queue with its position, and is refused
with a clear message once it has waited PYK8S_QUEUE_MAX_WAIT_SECONDS."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus, ReasonCode
from tests.clusters.hosts import register_host
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def full_host(queued_tasks, settings):
    settings.PYK8S_QUEUE_MAX_WAIT_SECONDS = 600
    host = register_host("full", max_clusters=1)
    ClusterFactory.create(host=host)
    return host


def create_waiting_since(owner, seconds_ago: float) -> Cluster:
    cluster = ClusterFactory.create(owner=owner, status=ClusterStatus.PROVISIONING)
    Cluster.objects.filter(id=cluster.id).update(
        created_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return cluster


def test_it_waits_with_its_position_while_every_host_is_full(user, owner_client):
    create_waiting_since(user, 599)
    second = create_waiting_since(user, 30)

    assert provisioning.cluster_dispatch_waiting() == []

    shown = owner_client.get(f"/clusters/{second.id}/").json()
    assert (shown["status"], shown["queue_position"]) == ("PROVISIONING", 1)


def test_it_is_refused_with_a_clear_message_past_the_max_wait(user, owner_client):
    overdue = create_waiting_since(user, 601)
    patient = create_waiting_since(user, 30)

    provisioning.cluster_dispatch_waiting()

    shown = owner_client.get(f"/clusters/{overdue.id}/").json()
    assert shown["status"] == "ERROR"
    assert shown["status_reason_code"] == ReasonCode.NO_CAPACITY
    assert shown["status_reason"] == (
        "No capacity: all hosts stayed full for 10 minutes, so this cluster was not created. "
        "Try again later (delete this one first to reuse its name)."
    )
    assert shown["queue_position"] is None
    patient_shown = owner_client.get(f"/clusters/{patient.id}/").json()
    assert (patient_shown["status"], patient_shown["queue_position"]) == ("PROVISIONING", 0)
