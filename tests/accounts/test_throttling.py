"""Per-address rates for login and registration, counted in Redis for every process."""

import pytest
import redis
from django.conf import settings as django_settings

from tests.factories import PASSWORD


def _register(api_client, n, ip="127.0.0.1"):
    return api_client.post(
        "/users/register",
        {"email": f"user-{n}@example.org", "password": PASSWORD},
        format="json",
        REMOTE_ADDR=ip,
    )


def test_login_rate_is_per_address(login, user, settings):
    settings.PYK8S_LOGIN_RATE = "3/minute"
    for _ in range(3):
        assert login(user.email, ip="10.0.0.1").status_code == 200

    refused = login(user.email, ip="10.0.0.1")

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert login(user.email, ip="10.0.0.2").status_code == 200


@pytest.mark.django_db
def test_registration_rate_is_per_address(api_client, settings):
    settings.PYK8S_REGISTER_RATE = "2/hour"
    assert _register(api_client, 1).status_code == 201
    assert _register(api_client, 2).status_code == 201

    refused = _register(api_client, 3)

    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert _register(api_client, 3, ip="10.0.0.2").status_code == 201


@pytest.mark.django_db
def test_default_registration_rate_is_ten_an_hour(api_client):
    statuses = [_register(api_client, n).status_code for n in range(11)]

    assert statuses == [201] * 10 + [429]


@pytest.mark.django_db
def test_default_login_rate_is_thirty_a_minute(login):
    # A different email each time, so that no account gets locked on the way.
    statuses = [login(f"nobody-{n}@example.org").status_code for n in range(31)]

    assert statuses == [401] * 30 + [429]


def test_counts_live_in_redis(login, user):
    login(user.email, "not-the-password")

    client = redis.Redis.from_url(django_settings.REDIS_URL, decode_responses=True)
    names = " ".join(client.scan_iter(match=f"{django_settings.PYK8S_REDIS_PREFIX}:*"))
    assert "throttle_login_127.0.0.1" in names
    assert "login-attempts:" in names
