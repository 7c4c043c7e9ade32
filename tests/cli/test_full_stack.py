"""The CLI against the real product: daphne (REST and /ws), a Celery worker and a fake kind.

These prove what the simulated worker cannot: live progress over /ws, real provisioning
and deletion, and logging in against the server's real password hashing.
"""

import shlex
import sys
from pathlib import Path

import pytest
import yaml

from tests.factories import PASSWORD

pytestmark = pytest.mark.stack

FAKE_KIND = Path(__file__).with_name("fake_kind.py")


@pytest.fixture
def _fast_password_hashing():
    """The server processes only know the production hashers: keep them here too."""


def start_stack(stack, tmp_path, **worker_env):
    """daphne and a worker whose `kind` is fake_kind.py (the provider passes kind only an
    allowlisted environment, so the fake's settings live in a wrapper script)."""
    state = tmp_path / "kind-state"
    settings = " ".join(f"{key}={shlex.quote(value)}" for key, value in worker_env.items())
    kind = tmp_path / "kind"
    kind.write_text(
        f"#!/bin/sh\nFAKE_KIND_STATE={shlex.quote(str(state))} {settings} "
        f'exec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_KIND))} "$@"\n'
    )
    kind.chmod(0o755)
    stack.start_worker(concurrency=2, PYK8S_KIND_BINARY=kind, PYK8S_CREATE_ATTEMPTS=1)
    stack.start_web()
    return stack.web_url


def login(run, url, user):
    result = run(
        "auth", "login", "--api-url", url, "--email", user.email, "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_cluster_from_create_to_delete(run, stack, tmp_path, user, kubeconfig_file):
    login(run, start_stack(stack, tmp_path), user)

    created = run("cluster", "create", "--name", "dev", "--wait")
    listed = run("cluster", "list")
    merged = run("cluster", "get-kubeconfig", "dev", "--merge")
    deleted = run("cluster", "delete", "dev", "--yes", "--wait")

    assert created.exit_code == 0, created.output + stack.logs()
    assert "Live updates are unavailable" not in created.stderr
    assert "✓ Starting control-plane" in created.stderr  # kind's progress, live from /ws
    assert created.stderr.index("dev: PROVISIONING") < created.stderr.index("dev: RUNNING")
    assert listed.stdout.splitlines()[1].split()[:2] == ["dev", "RUNNING"]
    assert merged.exit_code == 0, merged.output
    assert deleted.exit_code == 0, deleted.output + stack.logs()
    assert "Live updates are unavailable" not in deleted.stderr
    assert deleted.stderr.index("dev: DELETING") < deleted.stderr.index("dev: DELETED")
    assert yaml.safe_load(kubeconfig_file.read_text())["contexts"] == []


def test_a_failed_create_exits_non_zero_with_the_reason(run, stack, tmp_path, user):
    login(run, start_stack(stack, tmp_path, FAKE_KIND_FAIL="1"), user)

    result = run("cluster", "create", "--name", "dev", "--wait")

    assert result.exit_code == 1, result.output + stack.logs()
    assert "manifest unknown" in result.stderr  # kind's own words, live from /ws
    assert result.stderr.splitlines()[-1].startswith("Error: Cluster dev is ERROR: ")
    assert "could not be pulled" in result.stderr.splitlines()[-1]
