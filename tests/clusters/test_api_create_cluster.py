import re
from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import provisioning, tasks
from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


@pytest.fixture(autouse=True)
def _quota(settings):
    settings.PYK8S_MAX_CLUSTERS_PER_USER = 3
    settings.PYK8S_TTL_DEFAULT_MINUTES = 60
    settings.PYK8S_KUBERNETES_VERSIONS = ["1.33.1", "1.32.5"]


def test_it_accepts_a_cluster_in_provisioning(owner_client, user):
    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 202
    body = response.json()
    cluster = Cluster.objects.get(id=body["id"])
    assert cluster.owner == user
    assert body["name"] == "web"
    assert body["status"] == ClusterStatus.PROVISIONING
    assert body["status_reason"] == ""
    assert body["provisioned_at"] is None
    assert {"created_at", "updated_at", "ttl_expires_at"} <= body.keys()


def test_it_applies_the_defaults(owner_client):
    before = timezone.now()

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    body = response.json()
    assert body["kubernetes_version"] == "1.33.1"
    assert body["workers"] == 0
    cluster = Cluster.objects.get(id=body["id"])
    assert before + timedelta(minutes=60) <= cluster.ttl_expires_at
    assert cluster.ttl_expires_at <= timezone.now() + timedelta(minutes=60)


def test_it_takes_the_chosen_options(owner_client):
    before = timezone.now()
    body = {"name": "web", "ttl_minutes": 120, "workers": 3, "kubernetes_version": "1.32.5"}

    response = owner_client.post("/clusters/", body, format="json")

    cluster = Cluster.objects.get(id=response.json()["id"])
    assert (cluster.workers, cluster.kubernetes_version) == (3, "1.32.5")
    assert before + timedelta(minutes=120) <= cluster.ttl_expires_at
    assert cluster.ttl_expires_at <= timezone.now() + timedelta(minutes=120)


def test_the_runtime_name_is_generated_not_chosen(owner_client, other_user):
    body = {"name": "web", "runtime_name": "pk-000000000000; rm -rf /"}
    body |= {
        "status": "RUNNING",
        "owner": other_user.pk,
        "id": "00000000-0000-0000-0000-0000000000aa",
    }

    response = owner_client.post("/clusters/", body, format="json")

    assert response.status_code == 202
    cluster = Cluster.objects.get(id=response.json()["id"])
    assert re.fullmatch(r"pk-[0-9a-f]{12}", cluster.runtime_name)
    assert cluster.status == ClusterStatus.PROVISIONING
    assert str(cluster.id) != body["id"]
    assert "runtime_name" not in response.json()


def test_it_queues_its_placement_on_commit_which_queues_one_provisioning_task(
    owner_client, queued_tasks, django_capture_on_commit_callbacks
):
    provisioning.worker_host_register(name="test-host", max_concurrent_provisions=5)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/clusters/", {"name": "web"}, format="json")
        assert queued_tasks == []  # nothing may reach a worker before the row is committed
    assert queued_tasks == [("clusters_dispatch", None)]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.clusters_dispatch()  # as a worker runs it

    assert queued_tasks[1:] == [("cluster_provision", response.json()["id"])]


@pytest.mark.parametrize(
    "status", [ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.DELETING, "ERROR"]
)
def test_a_name_in_use_is_refused(owner_client, user, status, queued_tasks):
    ClusterFactory.create(owner=user, name="web", status=status)

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "name": ["You already have a cluster named 'web'; choose another name."]
    }
    assert Cluster.objects.count() == 1


def test_a_name_can_be_reused_once_deleted(owner_client, user):
    old = ClusterFactory.create(owner=user, name="web", status=ClusterStatus.DELETED)

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 202
    assert response.json()["id"] != str(old.id)
    assert Cluster.objects.filter(owner=user, name="web").count() == 2


def test_another_users_name_does_not_matter(owner_client, other_user):
    ClusterFactory.create(owner=other_user, name="web")

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 202


def test_it_refuses_a_cluster_past_the_quota(owner_client, user):
    for status in (ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.DELETING):
        ClusterFactory.create(owner=user, status=status)

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You already have 3 clusters, the most allowed. Delete one to create another.",
        "code": "quota_exceeded",
    }
    assert not Cluster.objects.filter(name="web").exists()


def test_deleted_and_failed_clusters_do_not_count_against_the_quota(owner_client, user):
    ClusterFactory.create_batch(2, owner=user, status=ClusterStatus.RUNNING)
    ClusterFactory.create_batch(3, owner=user, status=ClusterStatus.DELETED)
    ClusterFactory.create_batch(3, owner=user, status=ClusterStatus.ERROR)

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 202


def test_the_quota_is_per_user(owner_client, other_user):
    ClusterFactory.create_batch(3, owner=other_user)

    response = owner_client.post("/clusters/", {"name": "web"}, format="json")

    assert response.status_code == 202


def test_it_tells_what_a_create_may_ask_for_here(owner_client, settings):
    settings.PYK8S_TTL_MIN_MINUTES, settings.PYK8S_TTL_MAX_MINUTES = 15, 240

    response = owner_client.get("/clusters/choices/")

    assert response.status_code == 200
    assert response.json() == {
        "kubernetes_versions": ["1.33.1", "1.32.5"],
        "ttl_minutes": {"default": 60, "min": 15, "max": 240},
        "workers": {"min": 0, "max": 3},
        "max_clusters_per_user": 3,
        "name_max_length": 40,
    }
