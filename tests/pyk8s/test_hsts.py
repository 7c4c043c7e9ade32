"""Strict-Transport-Security on responses served over HTTPS, when PYK8S_HSTS_SECONDS is set."""

import os
import subprocess
import sys

import pytest

YEAR = 365 * 24 * 60 * 60


@pytest.fixture
def hsts(settings):
    settings.SECURE_HSTS_SECONDS = YEAR
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize("path", ["/health/live", "/admin/login/", "/"])
def test_https_responses_tell_browsers_to_stay_on_https(client, hsts, path):
    response = client.get(path, HTTP_X_FORWARDED_PROTO="https")

    assert response["Strict-Transport-Security"] == f"max-age={YEAR}"


def test_plain_http_responses_carry_none(client, hsts):
    # Browsers ignore it over HTTP; sending it there would only mislead.
    assert "Strict-Transport-Security" not in client.get("/health/live")


def settings_value(name: str, **environment: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(settings.{name})"],
        env={
            **{k: v for k, v in os.environ.items() if k != "PYK8S_HSTS_SECONDS"},
            "DJANGO_SETTINGS_MODULE": "pyk8s.settings",
            **environment,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_it_is_off_unless_configured():
    # Browsers remember it for max-age: a trial on a name that later serves plain HTTP would
    # be unreachable for them until it runs out.
    assert settings_value("SECURE_HSTS_SECONDS") == "0"


def test_pyk8s_hsts_seconds_turns_it_on():
    assert settings_value("SECURE_HSTS_SECONDS", PYK8S_HSTS_SECONDS="600") == "600"
