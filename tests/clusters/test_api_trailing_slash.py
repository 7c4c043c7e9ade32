import pytest

from clusters.models import ClusterStatus
from tests.factories import ClusterFactory

# (method, path without its trailing slash, JSON body, expected status)
CALLS = [
    ("get", "/clusters", None, 200),
    ("post", "/clusters", {"name": "fresh"}, 202),
    ("get", "/clusters/{id}", None, 200),
    ("get", "/clusters/{id}/kubeconfig", None, 200),
    ("post", "/clusters/{id}/extend", {"minutes": 5}, 200),
    ("delete", "/clusters/{id}", None, 202),
]


@pytest.mark.parametrize("slash", ["", "/"])
@pytest.mark.parametrize(("method", "path", "body", "expected"), CALLS)
def test_it_answers_with_and_without_trailing_slash(
    owner_client, user, slash, method, path, body, expected
):
    cluster = ClusterFactory.create(
        owner=user, status=ClusterStatus.RUNNING, kubeconfig="kind: Config"
    )
    url = path.format(id=cluster.id) + slash

    response = getattr(owner_client, method)(url, body, format="json")

    assert response.status_code == expected, response.content
