"""PYK8S_REGISTRATION decides who may create an account: anyone (open), holders of an invite
(invite), anyone but approved by staff before their first cluster (approval), or nobody
(closed). GET /auth/registration tells clients which, before they ask."""

import os
import subprocess
import sys

import pytest

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def register(api_client, **extra):
    return api_client.post(
        "/users/register",
        {"email": "ann@example.org", "password": PASSWORD, **extra},
        format="json",
    )


@pytest.mark.parametrize("mode", ["open", "invite", "approval", "closed"])
def test_the_mode_and_its_message_are_public(api_client, settings, mode):
    settings.PYK8S_REGISTRATION = mode

    response = api_client.get("/auth/registration")

    assert response.status_code == 200
    assert response.json()["mode"] == mode
    assert response.json()["message"]


def test_closed_refuses_every_registration_saying_so(api_client, settings):
    settings.PYK8S_REGISTRATION = "closed"

    response = register(api_client)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Registration is closed on this server: ask its operators for an account.",
        "code": "registration_closed",
    }
    assert not User.objects.exists()


def test_open_accounts_are_approved_at_once(api_client, settings):
    settings.PYK8S_REGISTRATION = "open"

    response = register(api_client)

    assert response.status_code == 201
    assert response.json()["approved"] is True


def test_approval_accounts_wait_for_staff(api_client, settings):
    settings.PYK8S_REGISTRATION = "approval"

    response = register(api_client)

    assert response.status_code == 201
    assert response.json()["approved"] is False
    assert User.objects.get().approved_at is None


def test_an_unknown_mode_stops_the_server_from_starting():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**_environment(), "PYK8S_REGISTRATION": "sometimes"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "PYK8S_REGISTRATION must be open, invite, approval or closed" in result.stderr


def test_deployments_default_to_approval():
    environment = _environment()
    environment.pop("PYK8S_REGISTRATION", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PYK8S_REGISTRATION)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "approval"


def _environment() -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "pyk8s.settings"}
