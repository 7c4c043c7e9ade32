"""Bodies that are not a JSON object get a 4xx saying what is wrong, in the one error shape."""

import pytest

from clusters.models import Cluster
from tests.factories import ClusterFactory


@pytest.fixture
def paths(user):
    cluster = ClusterFactory.create(owner=user)
    return ["/clusters/", f"/clusters/{cluster.id}/extend/"]


@pytest.mark.parametrize(
    "body", [b"{", b'{"name": "web",}', b"{'name': 'web'}", b"name=web", b'{"name": "\xff"}']
)
def test_it_refuses_malformed_json(owner_client, paths, body):
    for path in paths:
        response = owner_client.generic("POST", path, body, content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert response.json()["detail"].startswith("JSON parse error - ")
    assert Cluster.objects.count() == 1


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_it_refuses_other_content_types(owner_client, paths, content_type):
    for path in paths:
        response = owner_client.generic("POST", path, b'{"name": "web"}', content_type=content_type)

        assert response.status_code == 415
        assert response.json() == {
            "detail": f'Unsupported media type "{content_type}" in request.',
            "code": "unsupported_media_type",
        }
    assert Cluster.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "got"), [(b'["web"]', "list"), (b'"web"', "str"), (b"42", "int"), (b"true", "bool")]
)
def test_it_refuses_json_that_is_not_an_object(owner_client, paths, body, got):
    for path in paths:
        response = owner_client.generic("POST", path, body, content_type="application/json")

        assert response.status_code == 400
        assert response.json() == {
            "detail": f"Invalid data. Expected a dictionary, but got {got}.",
            "code": "invalid",
        }
    assert Cluster.objects.count() == 1


def test_it_refuses_json_null(owner_client, paths):
    for path in paths:
        response = owner_client.generic("POST", path, b"null", content_type="application/json")

        assert response.status_code == 400
        assert response.json() == {"detail": "No data provided", "code": "invalid"}


@pytest.mark.parametrize("method", ["put", "patch"])
def test_it_refuses_methods_it_does_not_offer(owner_client, paths, method):
    cluster_path = paths[1].removesuffix("extend/")

    response = getattr(owner_client, method)(cluster_path, {"name": "x"}, format="json")

    assert response.status_code == 405
    assert response.json() == {
        "detail": f'Method "{method.upper()}" not allowed.',
        "code": "method_not_allowed",
    }
