import pytest
from django.db import OperationalError, connection
from django.test import override_settings


@pytest.mark.parametrize("path", ["/health/live", "/health/live/"])
def test_live_answers_without_authentication(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_live_needs_no_database(client):
    # No db fixture: pytest-django fails the test if the probe touches the database.
    assert client.get("/health/live").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/health/ready", "/health/ready/"])
def test_ready_checks_database_and_redis(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_names_an_unreachable_redis(client):
    # Not the settings fixture: conftest's Redis clean-up would run while it is still in force.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "detail": "Not ready: redis unreachable.",
        "code": "not_ready",
        "failed": ["redis"],
    }


@pytest.mark.django_db
def test_ready_names_an_unreachable_database(client, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["detail"] == "Not ready: database unreachable."


def test_probes_answer_head_and_refuse_writes(client):
    assert client.head("/health/live").status_code == 200
    response = client.post("/health/live")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
