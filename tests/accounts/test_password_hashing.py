"""The configured hasher: OWASP's argon2id (19 MiB, 2 iterations, 1 lane), a bounded number
at a time, since each hash holds its 19 MiB for as long as it runs."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher, identify_hasher
from django.db import connection
from rest_framework.test import APIClient

from accounts.hashers import password_hashing_slot
from accounts.models import User
from tests.factories import PASSWORD


def _costs(encoded: str) -> tuple[str, dict[str, int]]:
    variant, _version, params, _salt, _hash = encoded.split("$")[1:]
    return variant, {key: int(value) for key, value in (p.split("=") for p in params.split(","))}


def test_the_default_hasher_is_owasps_argon2id(real_password_hashing):
    hasher = get_hasher("default")

    assert isinstance(hasher, Argon2PasswordHasher)
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (19 * 1024, 2, 1)


@pytest.mark.django_db
def test_registration_stores_an_argon2id_hash(api_client, real_password_hashing):
    response = api_client.post(
        "/users/register", {"email": "ann@example.org", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201

    encoded = User.objects.get().password
    assert _costs(encoded) == ("argon2id", {"m": 19 * 1024, "t": 2, "p": 1})
    assert identify_hasher(encoded).algorithm == "argon2"
    assert PASSWORD not in encoded


def test_a_hash_at_djangos_old_cost_is_replaced_at_the_next_login(
    user, login, real_password_hashing
):
    # Django's own Argon2 settings: 100 MiB and 8 lanes per hash.
    old_hash = Argon2PasswordHasher().encode(PASSWORD, "s" * 22)
    User.objects.filter(pk=user.pk).update(password=old_hash)

    assert login(user.email).status_code == 200

    user.refresh_from_db()
    assert _costs(user.password) == ("argon2id", {"m": 19 * 1024, "t": 2, "p": 1})


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_logins_hash_at_most_the_bound_at_once(
    settings, real_password_hashing, monkeypatch
):
    settings.PYK8S_PASSWORD_HASHING_CONCURRENCY = 2
    running, peak, lock = 0, 0, threading.Lock()

    def counted(function):
        def run(*args, **kwargs):
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                time.sleep(0.05)  # long enough for the logins to overlap
                return function(*args, **kwargs)
            finally:
                with lock:
                    running -= 1

        return run

    monkeypatch.setattr(argon2.low_level, "hash_secret", counted(argon2.low_level.hash_secret))
    start = threading.Barrier(20)

    def log_in(n):
        try:
            start.wait(timeout=30)
            # Unknown emails are hashed too, and each has its own failure count.
            return APIClient().post(
                "/auth/token",
                {"email": f"nobody-{n}@example.org", "password": PASSWORD},
                format="json",
                REMOTE_ADDR=f"10.0.0.{n}",
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(log_in, range(20)))

    assert peak == 2  # so at most 2 x 19 MiB of Argon2 memory at any time
    assert {r.status_code for r in responses} <= {401, 503}
    assert all(r["Retry-After"] == "1" for r in responses if r.status_code == 503)


def test_a_login_is_refused_at_once_while_every_hashing_slot_is_taken(
    settings, user, login, real_password_hashing
):
    settings.PYK8S_PASSWORD_HASHING_CONCURRENCY = 1

    with password_hashing_slot():
        response = login(user.email)

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {
        "detail": "The server is busy checking other passwords; try again in a second.",
        "code": "busy",
    }
    assert login(user.email).status_code == 200


def test_the_admin_login_is_refused_alike_while_every_slot_is_taken(
    settings, client, staff_user, real_password_hashing
):
    settings.PYK8S_PASSWORD_HASHING_CONCURRENCY = 1

    with password_hashing_slot():
        response = client.post(
            "/admin/login/", {"username": staff_user.email, "password": PASSWORD}
        )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "busy"
