import time

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.factories import PASSWORD, UserFactory

INVALID = {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}


@pytest.mark.parametrize("path", ["/auth/token", "/auth/token/"])
def test_it_returns_an_access_and_a_refresh_token(api_client, user, path):
    response = api_client.post(path, {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert AccessToken(body["access"])["user_id"] == str(user.id)
    assert RefreshToken(body["refresh"])["user_id"] == str(user.id)


def test_access_tokens_live_fifteen_minutes(login, user):
    access = AccessToken(login(user.email).json()["access"])

    assert access["exp"] - access["iat"] == 15 * 60


def test_it_accepts_the_email_in_any_case(login, user):
    assert login(user.email.upper()).status_code == 200


def test_it_records_the_login_time(login, user):
    login(user.email)

    user.refresh_from_db()
    assert user.last_login is not None


def test_wrong_password_and_unknown_email_get_the_same_answer(login, user):
    wrong_password = login(user.email, "not-the-password")
    unknown_email = login("nobody@example.org", "not-the-password")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == INVALID


@pytest.mark.django_db
def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(login):
    disabled = UserFactory(is_active=False)

    response = login(disabled.email)

    assert response.status_code == 401
    assert response.json() == INVALID


def _fastest_of(login, email, runs=3):
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        assert login(email, "not-the-password").status_code == 401
        durations.append(time.perf_counter() - started)
    return min(durations)


def test_wrong_password_and_unknown_email_take_similar_time(
    login, user, real_password_hashing, settings
):
    settings.PYK8S_LOGIN_FAILURE_LIMIT = 100
    user.set_password(PASSWORD)  # re-hashed with Argon2, as in production
    user.save()

    wrong_password = _fastest_of(login, user.email)
    unknown_email = _fastest_of(login, "nobody@example.org")

    # Skipping the hash for unknown emails would make them ~100 times faster.
    assert 1 / 3 < unknown_email / wrong_password < 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "ann@example.org"}, "password"),
        ({"email": "ann@", "password": PASSWORD}, "email"),
    ],
)
def test_it_names_the_field_to_fix(api_client, body, field):
    response = api_client.post("/auth/token", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
