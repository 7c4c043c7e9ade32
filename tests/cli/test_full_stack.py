"""The CLI against the real product: daphne (REST and /ws), a Celery worker and the fake kind.

These prove what the simulated worker cannot: live progress over /ws, the queue position,
real provisioning and deletion, and logging in against the server's real password hashing.
"""

import pytest
import yaml

from tests.factories import PASSWORD

pytestmark = pytest.mark.stack


@pytest.fixture
def _fast_password_hashing():
    """The server processes only know the production hashers: keep them here too."""


def start_stack(stack, fake_kind, **worker_env):
    stack.start_worker(**fake_kind.worker_env, PYK8S_CREATE_ATTEMPTS=1, **worker_env)
    stack.start_web()
    return stack.web_url


def login(run, url, user):
    result = run(
        "auth", "login", "--api-url", url, "--email", user.email, "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_cluster_from_create_to_delete(run, stack, fake_kind, user, kubeconfig_file):
    fake_kind.set_create_delay(1.0)
    login(run, start_stack(stack, fake_kind, PYK8S_MAX_CONCURRENT_PROVISIONS=1), user)

    run("cluster", "create", "--name", "first")  # takes the only slot for a while
    created = run("cluster", "create", "--name", "dev", "--wait")
    listed = run("cluster", "list")
    merged = run("cluster", "get-kubeconfig", "dev", "--merge")
    deleted = run("cluster", "delete", "dev", "--yes", "--wait")

    assert created.exit_code == 0, created.output + stack.logs()
    assert "Live updates are unavailable" not in created.stderr
    assert "dev: PROVISIONING (next for a slot)" in created.stderr
    assert "Starting control-plane" in created.stderr  # kind's progress, live from /ws
    assert created.stderr.index("dev: PROVISIONING") < created.stderr.index("dev: RUNNING")
    assert listed.stdout.splitlines()[1].split()[:2] == ["dev", "RUNNING"]
    assert merged.exit_code == 0, merged.output
    assert deleted.exit_code == 0, deleted.output + stack.logs()
    assert "Live updates are unavailable" not in deleted.stderr
    assert deleted.stderr.index("dev: DELETING") < deleted.stderr.index("dev: DELETED")
    assert yaml.safe_load(kubeconfig_file.read_text())["contexts"] == []


def test_a_failed_create_exits_non_zero_with_the_reason(run, stack, fake_kind, user):
    fake_kind.set_fault("image-pull", cluster="pk-*")
    login(run, start_stack(stack, fake_kind), user)

    result = run("cluster", "create", "--name", "dev", "--wait")

    assert result.exit_code == 1, result.output + stack.logs()
    assert "failed to pull image" in result.stderr  # kind's own words, live from /ws
    assert result.stderr.splitlines()[-1].startswith("Error: Cluster dev is ERROR: ")
    assert "could not be pulled" in result.stderr.splitlines()[-1]
