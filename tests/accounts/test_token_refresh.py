import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import services
from accounts.models import User
from pyk8s.errors import ApplicationError
from tests.concurrency import run_at_once


def _refresh(api_client, refresh, path="/auth/token/refresh"):
    return api_client.post(path, {"refresh": refresh}, format="json")


@pytest.mark.parametrize("path", ["/auth/token/refresh", "/auth/token/refresh/"])
def test_it_returns_a_new_access_and_a_new_refresh_token(api_client, tokens, user, path):
    response = _refresh(api_client, tokens["refresh"], path)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != tokens["refresh"]
    assert AccessToken(body["access"])["user_id"] == str(user.id)


def test_the_new_access_token_works(api_client, tokens, user):
    access = _refresh(api_client, tokens["refresh"]).json()["access"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get("/users/me").json()["id"] == user.id


def test_a_refresh_token_works_once(api_client, tokens, settings):
    settings.PYK8S_REFRESH_REUSE_GRACE_SECONDS = 0  # the grace: test_refresh_token_reuse.py
    _refresh(api_client, tokens["refresh"])

    response = _refresh(api_client, tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_the_rotated_refresh_token_works(api_client, tokens):
    rotated = _refresh(api_client, tokens["refresh"]).json()["refresh"]

    assert _refresh(api_client, rotated).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo"],
)
def test_it_refuses_a_forged_token(api_client, db, token):
    response = _refresh(api_client, token)

    assert response.status_code == 401
    assert response.json() == {
        "detail": "The refresh token is invalid, expired or already used. Log in again.",
        "code": "token_not_valid",
    }


def test_it_refuses_an_access_token(api_client, tokens):
    assert _refresh(api_client, tokens["access"]).status_code == 401


def test_it_refuses_an_expired_token(api_client, user):
    refresh = RefreshToken.for_user(user)
    refresh.set_exp(lifetime=-RefreshToken.lifetime)

    assert _refresh(api_client, str(refresh)).status_code == 401


def test_it_refuses_the_token_of_a_deleted_account(api_client, tokens, user):
    user.delete()

    response = _refresh(api_client, tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


def test_it_refuses_the_token_of_a_disabled_account(api_client, tokens, user):
    user.is_active = False
    user.save()

    response = _refresh(api_client, tokens["refresh"])

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


@pytest.mark.django_db
def test_it_names_a_missing_field(api_client):
    response = api_client.post("/auth/token/refresh", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"refresh": ["This field is required."]}


@pytest.mark.django_db(transaction=True)
def test_of_racing_refreshes_only_one_gets_tokens_without_a_grace(settings):
    settings.PYK8S_REFRESH_REUSE_GRACE_SECONDS = 0
    user = User.objects.create_user(email="racer@example.org", password="-")
    refresh = str(RefreshToken.for_user(user))

    def use(_):
        try:
            services.token_refresh(refresh=refresh)
        except ApplicationError as exc:
            return exc.code
        return "ok"

    outcomes = run_at_once(use, 4)

    assert outcomes.count("ok") == 1
    # Refused as used, or, once another loser has ended every session, as revoked.
    assert set(outcomes) - {"ok"} <= {"token_not_valid", "session_revoked"}


@pytest.mark.django_db(transaction=True)
def test_racing_refreshes_of_one_client_all_get_tokens_within_the_grace(settings):
    settings.PYK8S_REFRESH_REUSE_GRACE_SECONDS = 10
    user = User.objects.create_user(email="tabs@example.org", password="-")
    refresh = str(RefreshToken.for_user(user))

    outcomes = run_at_once(lambda _: services.token_refresh(refresh=refresh), 4)

    assert len({pair.refresh for pair in outcomes}) == 4


def test_it_needs_no_access_token(tokens):
    assert _refresh(APIClient(), tokens["refresh"]).status_code == 200
