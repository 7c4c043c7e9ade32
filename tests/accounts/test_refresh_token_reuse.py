"""A refresh token used a second time ends every session of its account, unless it comes
back within the grace that covers an answer its owner never got."""

import time

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

GRACE_SECONDS = 10


@pytest.fixture(autouse=True)
def grace(settings):
    settings.PYK8S_REFRESH_REUSE_GRACE_SECONDS = GRACE_SECONDS


@pytest.fixture
def later(monkeypatch):
    """Present a token again once the grace since its rotation has passed."""

    def refresh_later(api_client, refresh):
        now = time.time() + GRACE_SECONDS + 1
        with monkeypatch.context() as patched:
            patched.setattr(time, "time", lambda: now)
            return _refresh(api_client, refresh)

    return refresh_later


def _refresh(api_client, refresh):
    return api_client.post("/auth/token/refresh", {"refresh": refresh}, format="json")


def _me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/users/me")


def test_a_reused_refresh_token_ends_every_session_of_the_account(api_client, login, user, later):
    laptop, phone = login(user.email).json(), login(user.email).json()
    rotated = _refresh(api_client, laptop["refresh"]).json()

    reused = later(api_client, laptop["refresh"])

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


def test_other_accounts_stay_logged_in(api_client, login, user, later):
    other = UserFactory.create()
    others_session = login(other.email).json()
    session = login(user.email).json()
    _refresh(api_client, session["refresh"])

    later(api_client, session["refresh"])

    assert _me(others_session["access"]).status_code == 200
    assert _refresh(api_client, others_session["refresh"]).status_code == 200


def test_the_owner_can_log_in_again(api_client, login, user, later):
    session = login(user.email).json()
    _refresh(api_client, session["refresh"])
    later(api_client, session["refresh"])

    again = login(user.email).json()

    assert _me(again["access"]).status_code == 200
    assert _refresh(api_client, again["refresh"]).status_code == 200


def test_replaying_a_token_of_ended_sessions_does_not_end_new_ones(api_client, login, user, later):
    session = login(user.email).json()
    _refresh(api_client, session["refresh"])
    later(api_client, session["refresh"])  # ends every session
    again = login(user.email).json()

    assert later(api_client, session["refresh"]).status_code == 401

    assert _me(again["access"]).status_code == 200


def test_a_token_presented_again_within_the_grace_gets_tokens(api_client, login, user):
    """The page reloaded while its refresh was under way: the answer was lost, not stolen."""
    session = login(user.email).json()
    lost = _refresh(api_client, session["refresh"]).json()

    retried = _refresh(api_client, session["refresh"])

    assert retried.status_code == 200
    assert _me(retried.json()["access"]).status_code == 200
    assert _refresh(api_client, lost["refresh"]).status_code == 200  # nothing was ended


def test_with_no_grace_a_second_use_ends_every_session_at_once(api_client, login, user, settings):
    settings.PYK8S_REFRESH_REUSE_GRACE_SECONDS = 0
    session = login(user.email).json()
    rotated = _refresh(api_client, session["refresh"]).json()

    assert _refresh(api_client, session["refresh"]).status_code == 401
    assert _me(rotated["access"]).status_code == 401


def test_a_logged_out_token_gets_no_grace(api_client, login, user):
    session = login(user.email).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {session['access']}")
    logout = api_client.post("/auth/logout", {"refresh": session["refresh"]}, format="json")
    assert logout.status_code == 204
    api_client.credentials()

    assert _refresh(api_client, session["refresh"]).status_code == 401
