from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory

CLUSTER_KEYS = {
    "id",
    "name",
    "status",
    "status_reason",
    "status_reason_code",
    "queue_position",
    "kubernetes_version",
    "workers",
    "created_at",
    "updated_at",
    "ttl_expires_at",
    "provisioned_at",
    "deleted_at",
}


def make_clusters(owner, *statuses):
    """One cluster per status, created a minute apart in the given order (oldest first)."""
    start = timezone.now() - timedelta(hours=1)
    clusters = []
    for i, status in enumerate(statuses):
        cluster = ClusterFactory.create(owner=owner, status=status, kubeconfig="kind: Config")
        Cluster.objects.filter(id=cluster.id).update(created_at=start + timedelta(minutes=i))
        clusters.append(cluster)
    return clusters


def ids(response):
    return [c["id"] for c in response.json()["results"]]


def test_it_returns_a_page_of_clusters(owner_client, user):
    (cluster,) = make_clusters(user, ClusterStatus.RUNNING)

    response = owner_client.get("/clusters/")

    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"count", "next", "previous", "results"}
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    (item,) = body["results"]
    assert item.keys() == CLUSTER_KEYS
    assert item["id"] == str(cluster.id)
    assert item["name"] == cluster.name
    assert item["status"] == "RUNNING"


def test_it_never_shows_secrets_or_runtime_names(owner_client, user):
    make_clusters(user, ClusterStatus.RUNNING)

    response = owner_client.get("/clusters/")

    assert b"kind: Config" not in response.content
    assert b"kubeconfig" not in response.content
    assert b"pk-" not in response.content


def test_it_lists_newest_first(owner_client, user):
    clusters = make_clusters(user, *[ClusterStatus.RUNNING] * 3)

    response = owner_client.get("/clusters/")

    assert ids(response) == [str(c.id) for c in reversed(clusters)]


def test_it_leaves_out_deleted_clusters(owner_client, user):
    statuses = [ClusterStatus.PROVISIONING, "RUNNING", "DELETING", "ERROR", "DELETED"]
    clusters = make_clusters(user, *statuses)

    response = owner_client.get("/clusters/")

    assert ids(response) == [str(c.id) for c in reversed(clusters[:4])]


@pytest.mark.parametrize("status", ClusterStatus.values)
def test_it_filters_by_status(owner_client, user, status):
    clusters = make_clusters(user, *ClusterStatus.values)

    response = owner_client.get("/clusters/", {"status": status})

    assert ids(response) == [str(c.id) for c in clusters if c.status == status]


@pytest.mark.parametrize("status", ["deleted", "GONE", "RUNNING,DELETED", "RUNNING "])
def test_it_refuses_an_unknown_status(owner_client, status):
    response = owner_client.get("/clusters/", {"status": status})

    assert response.status_code == 400
    assert response.json() == {
        "status": ["Unknown status; use one of PROVISIONING, RUNNING, DELETING, DELETED, ERROR."]
    }


def test_it_pages_past_50(owner_client, user):
    ClusterFactory.create_batch(51, owner=user)

    first = owner_client.get("/clusters/")
    second = owner_client.get(first.json()["next"])

    assert first.json()["count"] == 51
    assert len(first.json()["results"]) == 50
    assert len(second.json()["results"]) == 1
    assert set(ids(first)).isdisjoint(ids(second))


def test_it_shows_the_place_in_the_provisioning_queue(owner_client, user, other_user):
    ahead = make_clusters(other_user, ClusterStatus.PROVISIONING)
    mine = make_clusters(user, ClusterStatus.PROVISIONING, ClusterStatus.RUNNING)

    response = owner_client.get("/clusters/")

    positions = {c["id"]: c["queue_position"] for c in response.json()["results"]}
    assert ahead[0].provisioning_started_at is None
    assert positions == {str(mine[0].id): 1, str(mine[1].id): None}


def test_its_query_count_does_not_grow_with_the_clusters(owner_client, user):
    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get("/clusters/").status_code == 200
        return len(queries)

    make_clusters(user, ClusterStatus.RUNNING)
    with_one = queries_for_list()
    make_clusters(user, *[ClusterStatus.RUNNING, ClusterStatus.PROVISIONING] * 15)
    with_31 = queries_for_list()

    assert with_31 == with_one
    assert with_one <= 3  # the user, the count, the page
