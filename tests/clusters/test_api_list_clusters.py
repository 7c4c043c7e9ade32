from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clusters import selectors
from clusters.api.serializers import ClusterSerializer
from clusters.models import Cluster, ClusterStatus, ReasonCode
from tests.factories import ClusterFactory

CLUSTER_KEYS = {
    "id",
    "name",
    "labels",
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


@pytest.mark.parametrize("status", [None, *ClusterStatus.values])
def test_each_cluster_is_listed_as_the_serializer_shows_it(owner_client, user, status):
    # PostgreSQL writes the list's JSON (clusters.api.listing); ClusterSerializer, which
    # shows a single cluster and the /ws events, is the reference.
    now = timezone.now()
    for waiting_ahead in ClusterFactory.create_batch(2, status=ClusterStatus.PROVISIONING):
        Cluster.objects.filter(id=waiting_ahead.id).update(created_at=now - timedelta(hours=2))
    make_clusters(user, *ClusterStatus.values, ClusterStatus.PROVISIONING, ClusterStatus.ERROR)
    Cluster.objects.filter(owner=user, status=ClusterStatus.ERROR).update(
        status_reason='kind said: "no space left" \\ on /var\n\t\x01 ünïcødé ✓ \u2028',
        status_reason_code=ReasonCode.OUT_OF_DISK,
        workers=3,
    )
    # Python leaves out the microseconds when there are none; so must the list.
    Cluster.objects.filter(owner=user, status=ClusterStatus.RUNNING).update(
        provisioned_at=now.replace(microsecond=0), ttl_expires_at=now.replace(microsecond=10)
    )
    Cluster.objects.filter(owner=user, status=ClusterStatus.DELETED).update(deleted_at=now)

    response = owner_client.get("/clusters/", {"status": status} if status else {})

    expected = selectors.cluster_list(owner=user, status=status)
    assert response.json()["results"] == ClusterSerializer(expected, many=True).data
    assert len(response.json()["results"]) == (
        2 if status in ("PROVISIONING", "ERROR") else 1 if status else 6
    )


def test_it_pages_past_50(owner_client, user):
    ClusterFactory.create_batch(51, owner=user)

    first = owner_client.get("/clusters/")
    second = owner_client.get(first.json()["next"])

    assert first.json()["count"] == second.json()["count"] == 51
    assert len(first.json()["results"]) == 50
    assert len(second.json()["results"]) == 1
    assert set(ids(first)).isdisjoint(ids(second))
    assert owner_client.get(second.json()["previous"]).json() == first.json()


def test_it_finds_the_last_page(owner_client, user):
    ClusterFactory.create_batch(101, owner=user)

    response = owner_client.get("/clusters/", {"page": "last"})

    assert response.status_code == 200
    assert (response.json()["count"], len(response.json()["results"])) == (101, 1)
    assert response.json()["next"] is None


@pytest.mark.parametrize("page", ["2", "0", "-1", "x", "1.0", "9" * 30])
def test_it_answers_not_found_for_a_page_it_does_not_have(owner_client, user, page):
    ClusterFactory.create(owner=user)

    response = owner_client.get("/clusters/", {"page": page})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


def test_an_empty_list_has_a_first_page(owner_client):
    response = owner_client.get("/clusters/")

    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


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
    assert with_one <= 2  # the user; the page, counted in the same query
