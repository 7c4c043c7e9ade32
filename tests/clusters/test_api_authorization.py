"""Who may do what: every cluster endpoint and method, for every kind of caller."""

import uuid

import pytest

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory

KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: s3cr3t\n"

# (method, path, JSON body, what the owner gets)
DETAIL_ENDPOINTS = [
    ("get", "/clusters/{id}/", None, 200),
    ("delete", "/clusters/{id}/", None, 202),
    ("get", "/clusters/{id}/kubeconfig/", None, 200),
    ("get", "/clusters/{id}/log/", None, 200),
    ("post", "/clusters/{id}/extend/", {"minutes": 30}, 200),
]
ENDPOINTS = [
    ("get", "/clusters/", None, 200),
    ("post", "/clusters/", {"name": "fresh"}, 202),
    ("get", "/clusters/choices/", None, 200),
    *DETAIL_ENDPOINTS,
]


@pytest.fixture
def cluster(user):
    return ClusterFactory.create(owner=user, status=ClusterStatus.RUNNING, kubeconfig=KUBECONFIG)


def call(client, method, path, body, cluster_id):
    url = path.format(id=cluster_id)
    return (
        getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
    )


def assert_untouched(cluster):
    before = {f.name: getattr(cluster, f.name) for f in Cluster._meta.concrete_fields}
    cluster.refresh_from_db()
    assert {f.name: getattr(cluster, f.name) for f in Cluster._meta.concrete_fields} == before


@pytest.mark.parametrize(("method", "path", "body", "_"), ENDPOINTS)
def test_anonymous_is_unauthorized(api_client, cluster, method, path, body, _):
    response = call(api_client, method, path, body, cluster.id)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_untouched(cluster)
    assert Cluster.objects.count() == 1


@pytest.mark.parametrize(("method", "path", "body", "expected"), ENDPOINTS)
def test_owner_reaches_every_endpoint(owner_client, cluster, method, path, body, expected):
    response = call(owner_client, method, path, body, cluster.id)

    assert response.status_code == expected, response.content


@pytest.mark.parametrize("caller", ["other_client", "staff_client"])
@pytest.mark.parametrize(("method", "path", "body", "_"), DETAIL_ENDPOINTS)
def test_someone_elses_cluster_answers_like_a_missing_one(
    request, cluster, caller, method, path, body, _
):
    client = request.getfixturevalue(caller)

    response = call(client, method, path, body, cluster.id)
    missing = call(client, method, path, body, uuid.uuid4())

    assert response.status_code == 404
    assert (
        response.json() == missing.json() == {"detail": "Cluster not found.", "code": "not_found"}
    )
    assert_untouched(cluster)


@pytest.mark.parametrize("caller", ["other_client", "staff_client"])
def test_someone_elses_clusters_are_not_listed(request, cluster, caller):
    client = request.getfixturevalue(caller)

    for status in (None, *ClusterStatus.values):
        response = client.get("/clusters/", {"status": status} if status else {})
        assert response.status_code == 200
        assert response.json()["count"] == 0


def test_staff_lists_only_their_own_clusters(staff_client, staff_user, cluster):
    own = ClusterFactory.create(owner=staff_user)

    response = staff_client.get("/clusters/")

    assert [c["id"] for c in response.json()["results"]] == [str(own.id)]


def test_a_create_belongs_to_the_caller(other_client, other_user, cluster):
    response = other_client.post("/clusters/", {"name": cluster.name}, format="json")

    assert response.status_code == 202
    assert Cluster.objects.get(id=response.json()["id"]).owner == other_user
