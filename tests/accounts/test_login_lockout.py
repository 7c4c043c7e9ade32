"""After PYK8S_LOGIN_FAILURE_LIMIT failed logins for one account, every login is refused."""

import threading
import time

import pytest
from django.contrib.auth import authenticate
from django.db import connection

from accounts import services
from accounts.models import User
from pyk8s.errors import ApplicationError
from tests.factories import PASSWORD


def _fail(login, email, times):
    for _ in range(times):
        assert login(email, "not-the-password").status_code == 401


def test_it_refuses_even_the_right_password_after_five_failures(login, user):
    _fail(login, user.email, 5)

    response = login(user.email)

    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_it_counts_failures_from_every_address(login, user):
    for n in range(5):
        assert login(user.email, "not-the-password", ip=f"10.0.0.{n}").status_code == 401

    assert login(user.email, ip="10.0.0.99").status_code == 429


def test_it_counts_any_capitalisation_as_one_account(login, user):
    _fail(login, user.email.upper(), 5)

    assert login(user.email).status_code == 429


@pytest.mark.django_db
def test_it_locks_unknown_emails_alike(login):
    _fail(login, "nobody@example.org", 5)

    assert login("nobody@example.org").status_code == 429


def test_it_leaves_other_accounts_alone(login, user, other_user):
    _fail(login, user.email, 5)

    assert login(other_user.email).status_code == 200


def test_a_successful_login_resets_the_count(login, user):
    _fail(login, user.email, 4)
    assert login(user.email).status_code == 200
    _fail(login, user.email, 4)

    assert login(user.email).status_code == 200


def test_it_lets_the_account_in_again_when_the_window_ends(login, user, settings):
    settings.PYK8S_LOGIN_FAILURE_WINDOW_SECONDS = 1
    _fail(login, user.email, 5)
    assert login(user.email).status_code == 429

    time.sleep(1.5)

    assert login(user.email).status_code == 200


def test_the_limit_is_configurable(login, user, settings):
    settings.PYK8S_LOGIN_FAILURE_LIMIT = 2
    _fail(login, user.email, 2)

    assert login(user.email).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_cannot_exceed_the_limit(monkeypatch):
    victim = User.objects.create_user(email="victim@example.org", password=PASSWORD)

    def slow_authenticate(**credentials):
        time.sleep(0.3)  # as slow as a real Argon2 check, so the guesses overlap
        return authenticate(**credentials)

    monkeypatch.setattr("accounts.services.authenticate", slow_authenticate)
    start = threading.Barrier(12)
    outcomes = []

    def guess(n):
        start.wait()
        try:
            services.user_login(email=victim.email, password=f"guess-{n}")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["invalid_credentials"] * 5 + ["login_locked"] * 7
