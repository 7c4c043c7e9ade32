"""A login lasts PYK8S_SESSION_MAX_DAYS at most, however often its tokens are refreshed."""

import time

from rest_framework_simplejwt.tokens import RefreshToken

DAY = 24 * 60 * 60


def _refresh(api_client, refresh):
    return api_client.post("/auth/token/refresh", {"refresh": refresh}, format="json")


def _refresh_token(user, *, logged_in_days_ago: float) -> str:
    token = RefreshToken.for_user(user)
    token["auth_time"] = int(time.time() - logged_in_days_ago * DAY)
    return str(token)


def test_refreshing_keeps_the_login_time(api_client, tokens):
    logged_in_at = RefreshToken(tokens["refresh"])["auth_time"]

    rotated = _refresh(api_client, tokens["refresh"]).json()["refresh"]
    rotated_again = _refresh(api_client, rotated).json()["refresh"]

    assert abs(logged_in_at - time.time()) < 60
    assert RefreshToken(rotated_again)["auth_time"] == logged_in_at


def test_a_session_within_its_lifetime_is_refreshed(api_client, user, settings):
    settings.PYK8S_SESSION_MAX_DAYS = 30

    response = _refresh(api_client, _refresh_token(user, logged_in_days_ago=29))

    assert response.status_code == 200


def test_a_session_past_its_lifetime_is_not_refreshed(api_client, user, settings):
    settings.PYK8S_SESSION_MAX_DAYS = 30

    response = _refresh(api_client, _refresh_token(user, logged_in_days_ago=30.01))

    assert response.status_code == 401
    assert response.json() == {
        "detail": "This session started more than 30 days ago and has ended. Log in again.",
        "code": "session_expired",
    }
