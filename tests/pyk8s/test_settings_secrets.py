"""Settings refuse to start without the secrets a deployment must provide."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from pyk8s import run


def _load_settings(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "PYK8S_VAR_DIR"}}
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import pyk8s.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "PYK8S_JWT_SIGNING_KEY is missing or too short"),
        ("short", "PYK8S_JWT_SIGNING_KEY is missing or too short"),
        (settings.SECRET_KEY, "PYK8S_JWT_SIGNING_KEY must differ from SECRET_KEY"),
    ],
)
def test_it_refuses_a_missing_short_or_reused_jwt_signing_key(tmp_path, value, message):
    result = _load_settings(PYK8S_JWT_SIGNING_KEY=value, PYK8S_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert message in result.stderr


def test_make_run_generates_and_keeps_a_jwt_signing_key(tmp_path, monkeypatch):
    # _prepare_environment sets these for its children; monkeypatch puts them back after.
    for name in ("PYK8S_VAR_DIR", "DJANGO_SETTINGS_MODULE", "PYTHONUNBUFFERED", "SECRET_KEY"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    monkeypatch.delenv("PYK8S_JWT_SIGNING_KEY")

    run._prepare_environment(tmp_path)

    key = os.environ["PYK8S_JWT_SIGNING_KEY"]
    assert len(key) >= 50
    assert key != os.environ["SECRET_KEY"]
    assert (tmp_path / "jwt_signing_key").read_text() == key
