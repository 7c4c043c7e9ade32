"""Every API error is {field: [message]} or {detail, code}, never HTML or a traceback."""

import pytest


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(api_client):
    response = api_client.post("/auth/token", data='{"email": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.django_db
def test_a_form_body_is_a_415(api_client):
    response = api_client.post("/auth/token", {"email": "a@b.org", "password": "x"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_a_json_list_instead_of_an_object_is_a_400(api_client):
    response = api_client.post("/auth/token", [1, 2], format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid data. Expected a dictionary, but got list.",
        "code": "invalid",
    }


@pytest.mark.django_db
def test_a_wrong_method_is_a_405(api_client):
    response = api_client.get("/auth/token")

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/auth/no-such-thing", "/users/me/extra"])
def test_an_unknown_path_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_a_token_error_is_flattened(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer a.b.c")

    response = api_client.get("/users/me")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
    }
