import pytest
from rest_framework_simplejwt.tokens import AccessToken


@pytest.mark.parametrize("path", ["/users/me", "/users/me/"])
def test_it_returns_the_logged_in_account(owner_client, user, path):
    response = owner_client.get(path)

    assert response.status_code == 200
    assert response.json() == {"id": user.id, "email": user.email, "approved": True}


def test_each_client_sees_its_own_account(owner_client, other_client, user, other_user):
    assert owner_client.get("/users/me").json()["id"] == user.id
    assert other_client.get("/users/me").json()["id"] == other_user.id


@pytest.mark.django_db
def test_anonymous_gets_401(api_client):
    response = api_client.get("/users/me")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.django_db
def test_a_garbage_token_gets_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get("/users/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert isinstance(response.json()["detail"], str)


def test_an_expired_token_gets_401(api_client, user):
    access = AccessToken.for_user(user)
    access.set_exp(lifetime=-AccessToken.lifetime)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    response = api_client.get("/users/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_refresh_token_is_not_an_access_token(api_client, tokens):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")

    assert api_client.get("/users/me").status_code == 401


def test_it_refuses_writes(owner_client):
    response = owner_client.post("/users/me", {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
