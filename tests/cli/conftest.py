"""CLI tests: the real `pyk8s` command (click's CliRunner) against a live server over HTTP.

Every test gets its own HOME, XDG_CONFIG_HOME and KUBECONFIG under tmp_path, so nothing
touches the real user's files.
"""

import os
import socket
import stat
import threading
import traceback
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from django.db import connection
from django.utils import timezone

from cli import pyk8s
from clusters.crypto import encrypt_kubeconfig
from clusters.models import Cluster, ClusterStatus
from tests.factories import PASSWORD, ClusterFactory


@pytest.fixture(autouse=True)
def cli_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("PYK8S_API_URL", raising=False)
    monkeypatch.delenv("PYK8S_TOKEN", raising=False)
    return home


@pytest.fixture
def config_file(tmp_path):
    return tmp_path / "xdg" / "pyk8s-lab" / "config.yaml"


@pytest.fixture
def kubeconfig_file(cli_home):
    return cli_home / ".kube" / "config"


def read_config(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def run():
    """Invoke `pyk8s ARGS...`; any exception other than a clean exit fails the test, since
    an expected failure must never end in a traceback."""

    def invoke(*args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(pyk8s, list(args), input=input, prog_name="pyk8s")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            pytest.fail(
                "pyk8s raised instead of exiting cleanly:\n"
                + "".join(traceback.format_exception(result.exception))
            )
        return result

    return invoke


@pytest.fixture
def server_url(live_server):
    return live_server.url


@pytest.fixture
def logged_in(run, server_url, user):
    """The CLI logged in as `user`, through the real login command."""
    result = run(
        "auth",
        "login",
        "--api-url",
        server_url,
        "--email",
        user.email,
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    return user


@pytest.fixture
def running(logged_in):
    """The logged-in user's RUNNING cluster "dev", with a kubeconfig (kind_kubeconfig)."""
    cluster = ClusterFactory.create(owner=logged_in, name="dev")
    cluster.kubeconfig_encrypted = encrypt_kubeconfig(cluster.id, kind_kubeconfig("pk-dev"))
    cluster.save()
    return cluster


@pytest.fixture
def unreachable_url() -> str:
    """An address where nothing listens: a port the OS handed out, then closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def kind_kubeconfig(runtime_name: str) -> str:
    """What `kind get kubeconfig` prints, with made-up credentials."""
    name = f"kind-{runtime_name}"
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": name,
                    "cluster": {
                        "server": "https://127.0.0.1:40123",
                        "certificate-authority-data": "Y2EtZGF0YQ==",
                    },
                }
            ],
            "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
            "current-context": name,
            "users": [{"name": name, "user": {"client-key-data": "a2V5LWRhdGE="}}],
            "preferences": {},
        },
        sort_keys=False,
    )


class SimulatedWorker:
    """Plays the Celery worker by moving Cluster rows along, as the provisioning engine would.

    Quick and without /ws (the live server is WSGI), so `--wait` polls here; the journeys
    through the real product (daphne, a Celery worker, the fake kind) are in
    test_full_stack.py.
    """

    # Long enough for the CLI to see PROVISIONING (or DELETING) before it changes.
    SETTLE_SECONDS = 0.4

    def __init__(self) -> None:
        self.failures: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def fail(self, name: str, reason: str) -> None:
        self.failures[name] = reason

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.wait(0.05):
                self._step()
        finally:
            connection.close()  # the test database is dropped afterwards: no open sessions

    def _step(self) -> None:
        settled_before = timezone.now() - timedelta(seconds=self.SETTLE_SECONDS)
        moving = Cluster.objects.filter(
            status__in=[ClusterStatus.PROVISIONING, ClusterStatus.DELETING],
            updated_at__lt=settled_before,
        )
        for cluster in moving:
            same = Cluster.objects.filter(id=cluster.id, status=cluster.status)
            now = timezone.now()
            if cluster.status == ClusterStatus.DELETING:
                same.update(status=ClusterStatus.DELETED, deleted_at=now, updated_at=now)
            elif cluster.name in self.failures:
                same.update(
                    status=ClusterStatus.ERROR,
                    status_reason=self.failures[cluster.name],
                    updated_at=now,
                )
            else:
                same.update(
                    status=ClusterStatus.RUNNING,
                    kubeconfig_encrypted=encrypt_kubeconfig(
                        cluster.id, kind_kubeconfig(cluster.runtime_name)
                    ),
                    provisioned_at=now,
                    updated_at=now,
                )


@pytest.fixture
def simulated_worker(live_server):
    worker = SimulatedWorker()
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def fast_polling(monkeypatch):
    monkeypatch.setattr("cli.watch.POLL_INTERVAL_SECONDS", 0.1)


def pyk8s_env(config_home: Path, home: Path, **extra: str) -> dict[str, str]:
    """The environment for running the installed `pyk8s` script in a subprocess."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYK8S_")}
    return {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(config_home), **extra}
