"""POST /auth/logout-all ends every session of the account, and only of that account."""

from rest_framework.test import APIClient

from tests.factories import UserFactory


def _client(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _refresh(refresh):
    return APIClient().post("/auth/token/refresh", {"refresh": refresh}, format="json")


def test_it_ends_every_session_of_the_account(login, user):
    laptop, phone = login(user.email).json(), login(user.email).json()

    response = _client(laptop["access"]).post("/auth/logout-all")

    assert response.status_code == 204
    for session in (laptop, phone):
        assert _client(session["access"]).get("/users/me").status_code == 401
        refreshed = _refresh(session["refresh"])
        assert refreshed.status_code == 401
        assert refreshed.json()["code"] == "session_revoked"


def test_a_new_login_works_afterwards(login, user):
    _client(login(user.email).json()["access"]).post("/auth/logout-all/")

    again = login(user.email).json()

    assert _client(again["access"]).get("/users/me").status_code == 200
    assert _refresh(again["refresh"]).status_code == 200


def test_other_accounts_stay_logged_in(login, user):
    others = login(UserFactory.create().email).json()

    _client(login(user.email).json()["access"]).post("/auth/logout-all")

    assert _client(others["access"]).get("/users/me").status_code == 200


def test_it_needs_an_access_token(api_client, db):
    response = api_client.post("/auth/logout-all")

    assert response.status_code == 401
