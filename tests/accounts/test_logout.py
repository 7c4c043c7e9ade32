import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture
def client_with(tokens):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.mark.parametrize("path", ["/auth/logout", "/auth/logout/"])
def test_it_revokes_the_refresh_token(client_with, tokens, api_client, path):
    response = client_with.post(path, {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    refreshed = api_client.post(
        "/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401


def test_it_revokes_the_access_token_of_the_request(client_with, tokens):
    client_with.post("/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    response = client_with.get("/users/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked.", "code": "token_not_valid"}


def test_other_sessions_stay_logged_in(client_with, tokens, login, user):
    other_session = login(user.email).json()

    client_with.post("/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_session['access']}")
    assert other.get("/users/me").status_code == 200


def test_it_needs_an_access_token(api_client, tokens):
    response = api_client.post("/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_it_refuses_a_refresh_token_used_already(client_with, tokens, api_client):
    api_client.post("/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json")

    response = client_with.post("/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["refresh"]


def test_it_refuses_someone_elses_refresh_token(client_with, api_client, login):
    stranger = UserFactory()
    strangers_refresh = login(stranger.email).json()["refresh"]

    response = client_with.post("/auth/logout", {"refresh": strangers_refresh}, format="json")

    assert response.status_code == 400
    assert response.json() == {"refresh": ["The refresh token belongs to another account."]}
    refreshed = api_client.post(
        "/auth/token/refresh", {"refresh": strangers_refresh}, format="json"
    )
    assert refreshed.status_code == 200


def test_it_names_a_missing_field(client_with):
    response = client_with.post("/auth/logout", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}
