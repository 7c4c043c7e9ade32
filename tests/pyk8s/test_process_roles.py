"""A Celery worker (PYK8S_PROCESS_ROLE=worker) runs kind on a host every cluster owner can
reach as root, so it starts without the signing keys; the web server still needs them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import client_for
from tests.stack import wait_until

WITHOUT_KEYS = {"SECRET_KEY", "PYK8S_JWT_SIGNING_KEY", "DEBUG", "PYK8S_VAR_DIR"}


def _python(code: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in WITHOUT_KEYS}
    env.update(DJANGO_SETTINGS_MODULE="pyk8s.settings", **overrides)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _worker_keys(tmp_path, **overrides: str) -> list[str]:
    result = _python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECRET_KEY); print(settings.PYK8S_JWT_SIGNING_KEY)",
        PYK8S_PROCESS_ROLE="worker",
        PYK8S_VAR_DIR=str(tmp_path),
        **overrides,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_worker_loads_its_settings_without_the_signing_keys(tmp_path):
    first, second = _worker_keys(tmp_path), _worker_keys(tmp_path)

    # Throwaway keys of its own, new in each process: they sign nothing the web accepts.
    assert len(first) == len(second) == 2
    assert not set(first) & set(second)
    assert not (tmp_path / "secret_key").exists()


def test_a_worker_ignores_signing_keys_it_is_given(tmp_path):
    keys = _worker_keys(tmp_path, SECRET_KEY="s" * 60, PYK8S_JWT_SIGNING_KEY="j" * 60)

    assert "s" * 60 not in keys
    assert "j" * 60 not in keys


def test_the_web_server_refuses_to_start_without_secret_key(tmp_path):
    result = _python("import pyk8s.asgi", PYK8S_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY is missing or too short" in result.stderr


def test_the_web_server_refuses_the_worker_role():
    result = _python(
        "import pyk8s.asgi",
        PYK8S_PROCESS_ROLE="worker",
        SECRET_KEY="s" * 60,
        PYK8S_JWT_SIGNING_KEY="j" * 60,
    )

    assert result.returncode != 0
    assert "the web server needs role web" in result.stderr


def test_an_unknown_role_is_refused():
    result = _python("import pyk8s.settings", PYK8S_PROCESS_ROLE="both")

    assert result.returncode != 0
    assert "PYK8S_PROCESS_ROLE must be web or worker" in result.stderr


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_a_worker_without_the_signing_keys_provisions_a_cluster(stack, fake_kind, user):
    from clusters.models import Cluster, ClusterStatus

    worker = stack.start_worker(**fake_kind.worker_env)
    environment = Path(f"/proc/{worker.pid}/environ").read_bytes().split(b"\0")
    assert not [v for v in environment if v.startswith((b"SECRET_KEY=", b"PYK8S_JWT_SIGNING"))]

    response = client_for(user).post("/clusters/", {"name": "no-secrets"}, format="json")
    assert response.status_code == 202, response.content
    cluster = Cluster.objects.get(id=response.json()["id"])

    def running() -> bool:
        cluster.refresh_from_db()
        return cluster.status == ClusterStatus.RUNNING

    wait_until(running, timeout=60, what="the cluster to run")
    assert fake_kind.clusters() == [cluster.runtime_name]
    assert cluster.kubeconfig_encrypted is not None
