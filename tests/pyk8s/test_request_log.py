"""One JSON line per request, with no query string, token or password in any line."""

import pytest
from django.test import Client

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_it_writes_one_line_per_request(api_client, log):
    api_client.get("/health/live")
    api_client.get("/users/me")

    first, second = log.request_lines()
    assert first["method"] == "GET"
    assert first["path"] == "/health/live"
    assert first["status"] == 200
    assert first["user_id"] is None
    assert isinstance(first["duration_ms"], float)  # how long: its figures are in make bench
    assert first["level"] == "INFO"
    assert (second["path"], second["status"]) == ("/users/me", 401)


def test_it_names_the_user_of_a_token(owner_client, user, log):
    owner_client.get("/users/me")

    (line,) = log.request_lines()
    assert line["user_id"] == user.id


def test_it_never_logs_the_query_string(owner_client, log):
    owner_client.get("/users/me?token=secret-in-query&page=2")

    (line,) = log.request_lines()
    assert line["path"] == "/users/me"
    assert "secret-in-query" not in log.text


def test_it_never_logs_a_password_or_a_token(api_client, user, log):
    tokens = api_client.post(
        "/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    ).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    api_client.post("/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    api_client.post("/auth/token", {"email": user.email, "password": "wrong-guess"}, format="json")

    assert [line["status"] for line in log.request_lines()] == [200, 204, 401]
    for secret in (PASSWORD, "wrong-guess", tokens["access"], tokens["refresh"]):
        assert secret not in log.text


@pytest.mark.urls("tests.pyk8s.failing_urls")
@pytest.mark.parametrize("path", ["/failing/api", "/failing/django"])
def test_a_crash_is_logged_with_status_500_without_the_query_string(owner_client, user, log, path):
    owner_client.raise_request_exception = False

    response = owner_client.get(f"{path}?token=secret-in-query")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    (line,) = log.request_lines()
    assert (line["path"], line["status"]) == (path, 500)
    error = next(line for line in log.lines() if line["level"] == "ERROR")
    assert "RuntimeError: the " in error["exc_info"]
    assert "secret-in-query" not in log.text
    assert owner_client._credentials["HTTP_AUTHORIZATION"].split()[1] not in log.text


@pytest.mark.urls("tests.pyk8s.failing_urls")
@pytest.mark.django_db
def test_a_crash_of_an_anonymous_request_is_logged_too(log):
    response = Client(raise_request_exception=False).get("/failing/django")

    assert response.status_code == 500
    (line,) = log.request_lines()
    assert (line["status"], line["user_id"]) == (500, None)
