"""After PYK8S_LOGIN_FAILURE_LIMIT failed logins for one account from one address, every login
from there is refused; from addresses the account never logged in from, further attempts wait
growing delays; from one it did, nobody else's failures hold its owner up."""

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


def test_failures_elsewhere_do_not_lock_the_owner_out_of_an_address_they_used(login, user):
    assert login(user.email, ip="192.0.2.7").status_code == 200
    for n in range(12):
        login(user.email, "not-the-password", ip=f"10.0.0.{n}")

    assert login(user.email, ip="192.0.2.7").status_code == 200


def test_guesses_from_many_addresses_wait_growing_delays(login, user):
    for n in range(5):
        assert login(user.email, "not-the-password", ip=f"10.0.0.{n}").status_code == 401
    assert login(user.email, "not-the-password", ip="10.0.0.5").status_code == 401  # 1 s on

    refused = login(user.email, ip="10.0.0.6")
    assert refused.status_code == 429
    assert refused.json()["code"] == "login_locked"
    assert int(refused["Retry-After"]) >= 1

    time.sleep(2.1)
    assert login(user.email, "not-the-password", ip="10.0.0.7").status_code == 401
    delayed = login(user.email, ip="10.0.0.8")  # now refused for 2**2 = 4 s
    assert delayed.status_code == 429
    assert int(delayed["Retry-After"]) >= 3


def test_an_address_locked_for_one_account_is_not_locked_for_the_owner_elsewhere(login, user):
    assert login(user.email, ip="192.0.2.7").status_code == 200
    _fail(login, user.email, 5)  # from 127.0.0.1

    assert login(user.email).status_code == 429
    assert login(user.email, ip="192.0.2.7").status_code == 200


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
            services.user_login(email=victim.email, password=f"guess-{n}", client_ip="10.0.0.1")
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


def admin_login(client, email, password=PASSWORD, ip="127.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
    )


def test_the_admin_login_locks_like_the_api_login(client, staff_user):
    for _ in range(5):
        response = admin_login(client, staff_user.email, "not-the-password")
        assert response.status_code == 200
        assert "Please enter the correct email" in response.text

    response = admin_login(client, staff_user.email)

    assert response.status_code == 200
    assert "Too many failed logins for this account. Try again in" in response.text
    assert "_auth_user_id" not in client.session


def test_api_and_admin_failures_count_together(client, login, staff_user):
    _fail(login, staff_user.email, 5)

    assert "Too many failed logins" in admin_login(client, staff_user.email).text


def test_the_admin_login_is_rate_limited_per_address(client, staff_user, settings):
    settings.PYK8S_LOGIN_RATE = "3/minute"
    for n in range(3):
        admin_login(client, f"nobody-{n}@example.org", "x")

    response = admin_login(client, staff_user.email)

    assert "Too many logins from your address. Try again in" in response.text
    assert "_auth_user_id" not in client.session


def test_staff_still_log_in_to_the_admin(client, staff_user):
    response = admin_login(client, staff_user.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)
