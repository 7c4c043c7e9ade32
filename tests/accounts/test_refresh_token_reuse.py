"""A refresh token used a second time ends every session of its account."""

from rest_framework.test import APIClient

from tests.factories import UserFactory


def _refresh(api_client, refresh):
    return api_client.post("/auth/token/refresh", {"refresh": refresh}, format="json")


def _me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/users/me")


def test_a_reused_refresh_token_ends_every_session_of_the_account(api_client, login, user):
    laptop, phone = login(user.email).json(), login(user.email).json()
    rotated = _refresh(api_client, laptop["refresh"]).json()

    reused = _refresh(api_client, laptop["refresh"])

    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    ended = _refresh(api_client, rotated["refresh"])
    assert ended.status_code == 401
    assert ended.json() == {
        "detail": "This session was ended: logged out everywhere, the password changed, or a "
        "used refresh token was presented again. Log in again.",
        "code": "session_revoked",
    }
    assert _refresh(api_client, phone["refresh"]).status_code == 401
    assert _me(rotated["access"]).status_code == 401
    assert _me(phone["access"]).status_code == 401


def test_other_accounts_stay_logged_in(api_client, login, user):
    other = UserFactory.create()
    others_session = login(other.email).json()
    session = login(user.email).json()
    _refresh(api_client, session["refresh"])

    _refresh(api_client, session["refresh"])

    assert _me(others_session["access"]).status_code == 200
    assert _refresh(api_client, others_session["refresh"]).status_code == 200


def test_the_owner_can_log_in_again(api_client, login, user):
    session = login(user.email).json()
    _refresh(api_client, session["refresh"])
    _refresh(api_client, session["refresh"])

    again = login(user.email).json()

    assert _me(again["access"]).status_code == 200
    assert _refresh(api_client, again["refresh"]).status_code == 200


def test_replaying_a_token_of_ended_sessions_does_not_end_new_ones(api_client, login, user):
    session = login(user.email).json()
    _refresh(api_client, session["refresh"])
    _refresh(api_client, session["refresh"])  # ends every session
    again = login(user.email).json()

    assert _refresh(api_client, session["refresh"]).status_code == 401

    assert _me(again["access"]).status_code == 200
