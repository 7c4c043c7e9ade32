"""Django admin lists the Docker hosts with their load, and staff drain, undrain or retire
them."""

import pytest
from django.contrib.messages import get_messages

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus, ReasonCode, WorkerHost
from tests.clusters.hosts import register_host
from tests.conftest import client_for
from tests.factories import ClusterFactory

CHANGELIST = "/admin/clusters/workerhost/"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def run_action(admin_client, action, *hosts) -> list[str]:
    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(h.id) for h in hosts]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_hosts_are_listed_with_their_load_and_liveness(admin_client, settings):
    settings.PYK8S_HOST_DEAD_SECONDS = 120
    busy = register_host("docker-busy", slots=2, max_clusters=5)
    register_host("docker-gone", silent_for=121)
    ClusterFactory.create_batch(2, host=busy)
    ClusterFactory.create(host=busy, status=ClusterStatus.PROVISIONING, holds_slot=True)
    ClusterFactory.create(host=busy, status=ClusterStatus.DELETED)

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    rows = {
        host.name: (host.clusters_held, host.provisions_running)
        for host in response.context["cl"].result_list
    }
    assert rows == {"docker-busy": (3, 1), "docker-gone": (0, 0)}
    page = response.content.decode()
    assert "3 / 5" in page
    assert "1 / 2" in page
    assert page.count('alt="True"') == 1  # live: busy only
    assert page.count('alt="False"') >= 1


def test_a_drained_host_gets_no_new_clusters_until_undrained(admin_client, queued_tasks):
    host = register_host("docker-1")

    assert run_action(admin_client, "drain", host) == ["1 host(s) draining."]
    waiting = ClusterFactory.create(status=ClusterStatus.PROVISIONING)
    assert provisioning.cluster_dispatch_waiting() == []

    assert run_action(admin_client, "undrain", host) == ["1 host(s) open for new clusters."]
    waiting.refresh_from_db()
    assert waiting.host == host  # the queue moved as soon as the host reopened
    assert waiting.holds_slot


def test_a_restarting_worker_keeps_its_host_drained(admin_client):
    host = register_host("docker-1", draining=True)

    provisioning.worker_host_register(name="docker-1", max_concurrent_provisions=3)

    host.refresh_from_db()
    assert host.draining
    assert host.max_concurrent_provisions == 3


def test_hosts_cannot_be_added_deleted_or_edited_in_admin(admin_client):
    host = register_host("docker-1")
    ClusterFactory.create(host=host)

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{host.id}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(f"{CHANGELIST}{host.id}/change/", {"name": "renamed", "max_clusters": 99})
    host.refresh_from_db()
    assert (host.name, host.max_clusters) == ("docker-1", 10)
    assert Cluster.objects.filter(host=host).exists()


def test_the_cluster_list_shows_and_filters_by_host(admin_client):
    on_a = ClusterFactory.create(host=register_host("docker-a"))
    ClusterFactory.create(host=register_host("docker-b"))

    response = admin_client.get("/admin/clusters/cluster/", {"host__id__exact": on_a.host_id})

    assert list(response.context["cl"].result_list) == [on_a]
    assert "docker-a" in response.content.decode()
    assert WorkerHost.objects.count() == 2


def test_a_lost_host_is_retired_and_its_clusters_stop_counting(
    admin_client, settings, queued_tasks
):
    settings.PYK8S_MAX_CLUSTERS_PER_USER = 2
    lost = register_host("docker-lost", silent_for=settings.PYK8S_HOST_DEAD_SECONDS + 1)
    live = register_host("docker-live")
    owner = ClusterFactory.create(host=lost).owner
    stuck = ClusterFactory.create(host=lost, owner=owner, status=ClusterStatus.DELETING)
    elsewhere = ClusterFactory.create(host=live)

    assert run_action(admin_client, "retire", lost, live) == [
        "Retired docker-lost; their clusters are now DELETED.",
        "Not retired, still live: docker-live. Stop a host's worker first; it can be retired "
        "once silent for PYK8S_HOST_DEAD_SECONDS.",
    ]

    assert list(WorkerHost.objects.values_list("name", flat=True)) == ["docker-live"]
    for cluster in Cluster.objects.filter(owner=owner):
        assert cluster.status == ClusterStatus.DELETED
        assert cluster.status_reason_code == ReasonCode.HOST_RETIRED
        assert cluster.deleted_at is not None
        assert cluster.kubeconfig_encrypted is None
    assert stuck.id in {c.id for c in Cluster.objects.filter(owner=owner)}
    elsewhere.refresh_from_db()
    assert (elsewhere.status, elsewhere.host) == (ClusterStatus.RUNNING, live)
    # The owner's quota is free again.
    client = client_for(owner)
    assert client.post("/clusters/", {"name": "again"}, format="json").status_code == 202
