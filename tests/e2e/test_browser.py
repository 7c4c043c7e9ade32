"""The dashboard in a real browser (Debian's Chromium, driven by Playwright) against the real
stack: daphne serving the built dashboard, a Celery worker and beat, PostgreSQL, Redis and
the fake kind. The journeys themselves are in frontend/e2e/."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
CHROMIUM = os.environ.get("PYK8S_E2E_CHROMIUM", "/usr/bin/chromium")

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_journeys_pass_in_chromium(stack, fake_kind, fake_terminal_docker):
    # `make test` installs Chromium, node_modules and the build first; say so if run alone.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: run `make test` (it installs chromium)"
    assert (FRONTEND / "out" / "index.html").exists(), "dashboard not built: run `make frontend`"
    npm = shutil.which("npm")
    assert npm, "npm (Node 20) is needed for the browser tests"

    env = {
        **fake_kind.worker_env,
        "PYK8S_REGISTER_RATE": "1000/hour",
        "PYK8S_LOGIN_RATE": "1000/minute",
        "PYK8S_EXPIRY_INTERVAL_SECONDS": 5,
    }
    terminal = {"PYK8S_TERMINAL_IMAGE": "pyk8s-terminal:test"}
    stack.start_worker(**env)
    stack.start_beat(**env)
    # The worker's host ("worker") runs terminals on real shells (tests/fakes/docker_terminal).
    stack.start_terminal_relay(
        "worker",
        PYK8S_KIND_BINARY=fake_kind.binary,
        PYK8S_DOCKER_BINARY=fake_terminal_docker.binary,
        **terminal,
    )
    stack.start_web(**env, **terminal)
    result = subprocess.run(
        [npm, "run", "e2e"],
        cwd=FRONTEND,
        env={
            **os.environ,
            "PYK8S_E2E_BASE_URL": stack.web_url,
            "PYK8S_E2E_FAKE_KIND_DIR": str(fake_kind.root),
            "PYK8S_E2E_PYTHON": sys.executable,
            "PYK8S_E2E_CHROMIUM": CHROMIUM,
            "NEXT_TELEMETRY_DISABLED": "1",
            "CI": "1",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    assert " passed" in result.stdout
    assert " failed" not in result.stdout
