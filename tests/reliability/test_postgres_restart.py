"""PostgreSQL restarted under a running stack (daphne, a Celery worker): both recover by
themselves, and creates and logins work again without restarting either."""

import re
import subprocess
import time

import httpx
import psycopg
import pytest

from tests.reliability.servers import private_postgres
from tests.stack import BIN, REPO, wait_until

__all__ = ["private_postgres"]

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "restart@example.com", "a-long-enough-password-1"


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "python"), "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )


def start_worker(stack, database_url: str, **env):
    """A worker on the private database (Stack.start_worker watches the test database)."""
    worker = stack.start(
        "worker",
        [
            str(BIN / "celery"), "-A", "pyk8s", "worker", "--loglevel", "INFO",
            "--hostname", "worker@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ],
        DATABASE_URL=database_url,
        PYK8S_WORKER_HOST="pg-restart",
        **env,
    )  # fmt: skip

    def registered() -> bool:
        assert worker.alive(), worker.tail()
        with psycopg.connect(database_url) as db:
            return db.execute("SELECT 1 FROM clusters_workerhost").fetchone() is not None

    wait_until(registered, timeout=30, what="the worker to register")
    return worker


def logged_in(url: str) -> httpx.Client:
    tokens = httpx.post(f"{url}/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {tokens.json()['access']}"}, timeout=10
    )


def running(client: httpx.Client, name: str) -> str:
    response = client.post("/clusters/", json={"name": name})
    assert response.status_code == 202, response.text
    cluster_id = str(response.json()["id"])

    def status() -> bool:
        return bool(client.get(f"/clusters/{cluster_id}/").json()["status"] == "RUNNING")

    wait_until(status, timeout=30, interval=0.2, what=f"{name} to be RUNNING")
    return cluster_id


def test_the_stack_recovers_from_a_postgres_restart(stack, fake_kind, private_postgres):
    env = {"DATABASE_URL": private_postgres.url, **fake_kind.worker_env}
    migrate({**stack.env, **{k: str(v) for k, v in env.items()}})
    worker = start_worker(stack, private_postgres.url, **fake_kind.worker_env)
    web = stack.start_web(**env)
    url = stack.web_url
    registered = httpx.post(f"{url}/users/register", json={"email": EMAIL, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    client = logged_in(url)
    before = running(client, "before")

    private_postgres.stop()
    during = [client.get("/clusters/").status_code, httpx.get(f"{url}/health/ready").status_code]
    time.sleep(1)
    private_postgres.start()

    wait_until(
        lambda: httpx.get(f"{url}/health/ready").status_code == 200,
        timeout=20,
        what="readiness after the restart",
    )
    assert during == [503, 503]
    metrics = httpx.get(f"{url}/metrics").text
    assert re.search(r'^pyk8s_http_errors_total\{cause="database"\} [1-9]', metrics, re.M)
    after = running(logged_in(url), "after")
    listed = {cluster["id"] for cluster in client.get("/clusters/").json()["results"]}
    assert listed == {before, after}
    assert worker.alive(), worker.tail()
    assert web.alive(), web.tail()
    assert len(stack.processes) == 2  # recovered by themselves, not restarted
