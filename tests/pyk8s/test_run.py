"""`python -m pyk8s.run`, as `make run` starts it: the supervisor, its children and its signals
(the user's first steps through it are in tests/test_quick_start.py)."""

import fcntl
import json
import os
import re
import signal
import socket
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from tests.make_run import READY_SECONDS, child_named, descendants, wait_gone

pytestmark = pytest.mark.stack


def test_it_serves_the_product_until_ctrl_c(start_run, tmp_path):
    run = start_run(tmp_path / "var")
    run.wait_ready()
    children = descendants(run.process.pid)
    for needle in (
        "daphne",
        "celery -A pyk8s worker",
        "celery -A pyk8s beat",
        "redis-server",
        "bin/postgres",
    ):
        child_named(run, needle)
    # The worker, which runs kind, holds no key that signs sessions or tokens.
    worker_env = Path(f"/proc/{child_named(run, 'celery -A pyk8s worker')}/environ").read_bytes()
    assert b"PYK8S_PROCESS_ROLE=worker" in worker_env.split(b"\0")
    assert b"SECRET_KEY=" not in worker_env
    assert b"PYK8S_JWT_SIGNING_KEY=" not in worker_env

    with httpx.Client(base_url=run.url, trust_env=False) as http:
        # `make run` is a machine of one's own: open registration, no approval to wait for.
        assert http.get("/auth/registration").json()["mode"] == "open"
        credentials = {"email": "ada@example.com", "password": "an unusual passphrase 7"}
        response = http.post("/users/register", json=credentials)
        assert response.status_code == 201, response.text
        response = http.post("/auth/token", json=credentials)
        assert response.status_code == 200, response.text
        access = response.json()["access"]
        auth = {"Authorization": f"Bearer {access}"}
        response = http.get("/users/me", headers=auth)
        assert response.json()["email"] == "ada@example.com"

        # Through the private Redis to the worker (and a fake kind), back to the database,
        # and as events through the private Redis's channel layer to this socket.
        ticket = http.post("/ws/ticket", headers=auth).json()["ticket"]
        ws_url = f"{run.url.replace('http', 'ws', 1)}/ws?ticket={ticket}"
        with connect(ws_url, open_timeout=10) as socket:
            response = http.post("/clusters", json={"name": "demo"}, headers=auth)
            assert response.status_code == 202, response.text
            cluster = f"/clusters/{response.json()['id']}"
            seen = []
            while "RUNNING" not in seen:
                event = json.loads(socket.recv(timeout=READY_SECONDS))
                if event["type"] == "cluster.status.changed":
                    seen.append(event["cluster"]["status"])
        assert seen[0] == "PROVISIONING"
        assert http.get(cluster, headers=auth).json()["status"] == "RUNNING", run.output()

        login_page = http.get("/admin/login/")
        assert login_page.status_code == 200
        stylesheet = re.search(r'href="(/static/admin/css/[^"]+\.css)"', login_page.text)
        assert stylesheet, login_page.text
        css = http.get(stylesheet.group(1))
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")

    run.process.send_signal(signal.SIGINT)
    assert run.wait_exit() == 0, run.output()
    assert wait_gone(set(children)) == set()
    assert not (run.var_dir / "redis.sock").exists()
    assert not (run.var_dir / "postgres" / "postmaster.pid").exists()  # a clean shutdown
    output = run.output()
    assert f"PyK8s-Lab is running at {run.url}/" in output
    assert re.search(r"^worker +\| .*celery@\S+ ready", output, re.MULTILINE), output
    assert output.endswith("pyk8s run: stopped\n")


def test_it_starts_cleanly_after_a_crash(start_run, tmp_path):
    var_dir = tmp_path / "var"
    crashed = start_run(var_dir)
    crashed.wait_ready()
    crashed.wait_for(var_dir / "celerybeat.pid")
    children = descendants(crashed.process.pid)
    postgres = child_named(crashed, "bin/postgres")
    redis = child_named(crashed, "redis-server")
    beat = child_named(crashed, "celery -A pyk8s beat")
    # Frozen first, so that it cannot tidy up after the others: all of them die at once.
    crashed.process.send_signal(signal.SIGSTOP)
    for leader in (postgres, redis, beat):
        os.killpg(leader, signal.SIGKILL)
    crashed.process.kill()
    crashed.process.wait()
    # The web server and the worker follow their killed supervisor on their own.
    assert wait_gone(set(children)) == set()
    assert (var_dir / "postgres" / "postmaster.pid").exists()
    assert (var_dir / "redis.sock").exists()
    assert (var_dir / "celerybeat.pid").exists()

    restarted = start_run(var_dir)
    restarted.wait_ready()
    children = descendants(restarted.process.pid)
    beat = child_named(restarted, "celery -A pyk8s beat")

    # A child that dies takes the whole run down, and the message names it.
    os.kill(beat, signal.SIGKILL)
    assert restarted.wait_exit() == 1
    assert "beat exited unexpectedly (killed by SIGKILL)" in restarted.output()
    assert wait_gone(set(children)) == set()


@pytest.mark.parametrize(
    ("stop_signal", "exit_code"), [(signal.SIGTERM, 0), (signal.SIGKILL, -signal.SIGKILL)]
)
def test_nothing_outlives_a_supervisor_that_is_stopped_or_killed(
    start_run, tmp_path, stop_signal, exit_code
):
    run = start_run(tmp_path / "var")
    run.wait_ready()
    children = descendants(run.process.pid)
    assert any("bin/postgres" in cmdline for cmdline in children.values())

    run.process.send_signal(stop_signal)

    assert run.wait_exit() == exit_code, run.output()
    # Killed outright, it cannot stop them: each child follows it by itself (PDEATHSIG).
    assert wait_gone(set(children)) == set()


def test_it_refuses_the_sqlite_database_of_an_older_version(start_run, tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "db.sqlite3").write_bytes(b"SQLite format 3\0")

    run = start_run(var_dir)

    assert run.wait_exit() == 1
    assert run.output().strip() == (
        f"pyk8s run: {var_dir}/db.sqlite3 is from an older PyK8s-Lab, which kept its data in"
        " SQLite: it now runs on PostgreSQL only. Move that file away to start afresh, or see"
        ' "Upgrading from SQLite" in the README to keep your accounts'
    )


def test_it_refuses_a_var_dir_that_a_live_run_holds(start_run, tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with (var_dir / "run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4242\n")
        lock.flush()
        run = start_run(var_dir)
        assert run.wait_exit() == 1
    assert run.output().strip() == (
        f"pyk8s run: another `make run` (pid 4242) is already using {var_dir}: stop it first,"
        " or give this one its own PYK8S_VAR_DIR"
    )


def test_it_refuses_a_port_in_use(start_run, tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        run = start_run(tmp_path / "var", port)
        assert run.wait_exit() == 1
    assert run.output().strip() == (
        f"pyk8s run: port {port} on 127.0.0.1 is already in use: stop what listens there,"
        " or choose another port with PORT=..."
    )
