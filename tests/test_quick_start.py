"""The README's quick start, as a new user runs it: `make run` on an empty var/ (with the fake
kind), then the API, the installed `pyk8s` command and the dashboard in Chromium, then Ctrl-C
and a second start that still has everything."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.make_run import READY_SECONDS, descendants, wait_gone
from tests.stack import wait_until

pytestmark = pytest.mark.stack

REPO = Path(__file__).resolve().parents[1]
PYK8S = Path(sys.executable).parent / "pyk8s"
CHROMIUM = os.environ.get("PYK8S_E2E_CHROMIUM", "/usr/bin/chromium")
EMAIL = "quick-start@example.com"
PASSWORD = "correct-horse-battery-staple"  # frontend/e2e/helpers.ts logs in with it


def pyk8s(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `pyk8s` command, as the user's shell runs it (its own HOME)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYK8S_", "KUBECONFIG"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    return subprocess.run(
        [str(PYK8S), *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=READY_SECONDS,
    )


def dashboard_lists(url: str, names: list[str]) -> subprocess.CompletedProcess[str]:
    npm = shutil.which("npm")
    assert npm, "npm (Node 20) is needed for the browser test"
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: run `make test` (it installs chromium)"
    return subprocess.run(
        [npm, "run", "e2e", "--", "e2e/quick-start.spec.ts"],
        cwd=REPO / "frontend",
        env={
            **os.environ,
            "PYK8S_E2E_BASE_URL": url,
            "PYK8S_E2E_CHROMIUM": CHROMIUM,
            "PYK8S_E2E_QUICK_START_EMAIL": EMAIL,
            "PYK8S_E2E_QUICK_START_CLUSTERS": ",".join(names),
            "NEXT_TELEMETRY_DISABLED": "1",
            "CI": "1",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_quick_start_works_and_keeps_its_data_across_a_restart(start_run, tmp_path):
    var_dir, home = tmp_path / "var", tmp_path / "home"
    home.mkdir()
    run = start_run(var_dir)
    run.wait_ready()
    http = httpx.Client(base_url=run.url, trust_env=False, timeout=30)

    credentials = {"email": EMAIL, "password": PASSWORD}
    assert http.post("/users/register", json=credentials).status_code == 201
    access = http.post("/auth/token", json=credentials).json()["access"]
    auth = {"Authorization": f"Bearer {access}"}
    for name in ("alpha", "beta"):
        created = http.post("/clusters/", json={"name": name}, headers=auth)
        assert created.status_code == 202, created.text
    for path in ("/clusters", "/clusters/"):
        listed = http.get(path, headers=auth)
        assert listed.status_code == 200, listed.text
        assert sorted(c["name"] for c in listed.json()["results"]) == ["alpha", "beta"]

    def both_running() -> bool:
        clusters = http.get("/clusters/", headers=auth).json()["results"]
        return all(c["status"] == "RUNNING" for c in clusters)

    wait_until(both_running, timeout=READY_SECONDS, interval=0.5, what="both to be RUNNING")

    login = pyk8s(
        home, "auth", "login", "--api-url", run.url, "--email", EMAIL, "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    listed_by_cli = pyk8s(home, "cluster", "list", "-o", "json")
    assert listed_by_cli.returncode == 0, listed_by_cli.stderr
    assert sorted(c["name"] for c in json.loads(listed_by_cli.stdout)) == ["alpha", "beta"]
    waited = pyk8s(home, "cluster", "create", "--name", "gamma", "--wait")
    assert waited.returncode == 0, waited.stderr + run.output()
    got = pyk8s(home, "cluster", "get", "alpha")
    assert got.returncode == 0, got.stderr
    assert "alpha" in got.stdout
    kubeconfig = tmp_path / "alpha.kubeconfig"
    fetched = pyk8s(home, "cluster", "get-kubeconfig", "alpha", "--file", str(kubeconfig))
    assert fetched.returncode == 0, fetched.stderr + run.output()
    assert yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    deleted = pyk8s(home, "cluster", "delete", "gamma", "--yes", "--wait")
    assert deleted.returncode == 0, deleted.stderr + run.output()

    browser = dashboard_lists(run.url, ["alpha", "beta"])
    assert browser.returncode == 0, f"{browser.stdout[-6000:]}\n{browser.stderr[-3000:]}"
    assert "1 passed" in browser.stdout

    children = descendants(run.process.pid)
    run.process.send_signal(signal.SIGINT)
    assert run.wait_exit() == 0, run.output()
    assert wait_gone(set(children)) == set()

    again = start_run(var_dir, run.port)  # where the CLI was told the server is
    again.wait_ready()
    relisted = pyk8s(home, "cluster", "list", "-o", "json")
    assert relisted.returncode == 0, relisted.stderr
    statuses = {c["name"]: c["status"] for c in json.loads(relisted.stdout)}
    assert statuses == {"alpha": "RUNNING", "beta": "RUNNING"}
