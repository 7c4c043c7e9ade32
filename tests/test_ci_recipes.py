"""The CI jobs README.md shows ("In CI"), read from the README and run the way GitHub Actions
and GitLab CI run them: the CLI installed by their own `pip install` step, an API token in
PYK8S_TOKEN, against the real stack (daphne, a Celery worker, the fake kind).

The user's tests are a stand-in `pytest` on the runner's PATH that records what it was given,
then passes, fails or hangs, as each run asks.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.factories import issue_api_token
from tests.stack import wait_until

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[1]

USER_TESTS = """#!/bin/sh
# The user's test suite, as far as the pipeline is concerned.
cp "$KUBECONFIG" "$PROBE/kubeconfig"
echo "$KUBECONFIG" > "$PROBE/kubeconfig-path"
echo "$@" > "$PROBE/args"
pyk8s cluster get "$CLUSTER" -o json > "$PROBE/cluster.json"
case "$(cat "$PROBE/outcome")" in
  fail) exit 3 ;;
  hang) touch "$PROBE/started"; sleep 600 ;;
esac
"""


def readme_job(first_line: str) -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    [job] = [block for block in blocks if block.startswith(first_line)]
    return yaml.safe_load(job)  # type: ignore[no-any-return]


class Runner:
    """A CI runner's machine: a Python with pip (the CLI not installed), a workspace, and the
    user's tests."""

    def __init__(self, root: Path, python: Path, api_url: str, token: str) -> None:
        self.root, self.python, self.api_url, self.token = root, python, api_url, token
        (root / "tests-bin").mkdir(parents=True)
        pytest_stand_in = root / "tests-bin" / "pytest"
        pytest_stand_in.write_text(USER_TESTS)
        pytest_stand_in.chmod(0o755)

    def workspace(self, run_id: str, outcome: str) -> tuple[Path, Path]:
        workspace, probe = self.root / f"work-{run_id}", self.root / f"probe-{run_id}"
        (workspace / "tests" / "integration").mkdir(parents=True)
        probe.mkdir()
        (probe / "outcome").write_text(outcome)
        return workspace, probe

    def env(self, probe: Path, job_env: dict[str, str]) -> dict[str, str]:
        return {
            "PATH": f"{self.python / 'bin'}:{self.root / 'tests-bin'}:/usr/bin:/bin",
            "HOME": str(self.root),
            # A runner's pip cache, so that installing the CLI downloads nothing twice.
            "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PROBE": str(probe),
            **job_env,
        }

    @staticmethod
    def shell(script: str, *, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
        # GitHub's and GitLab's default: bash, stopping at the first failing command.
        return subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env=env,
            start_new_session=True,
            text=True,
        )


def check_out_pyk8s_lab(workspace: Path, path: str) -> None:
    """What the checkout of PyK8s-Lab (or the submodule) puts in the workspace: its CLI."""
    shutil.copytree(
        ROOT / "cli", workspace / path / "cli", ignore=shutil.ignore_patterns("__pycache__")
    )


def killed_when(probe: Path, process: subprocess.Popen[str]) -> None:
    """SIGKILL the step's whole process group once the user's tests have started: a
    cancelled job, or a runner that lost its machine."""
    wait_until(lambda: (probe / "started").exists(), timeout=120, what="the tests to start")
    os.killpg(process.pid, signal.SIGKILL)


def run_github_job(runner: Runner, run_id: str, outcome: str) -> tuple[list[int | None], Path]:
    """Each step's exit code (None: skipped after a failure), as GitHub Actions runs them."""
    job = next(iter(readme_job("# .github/workflows/integration.yml")["jobs"].values()))
    context = {"secrets.PYK8S_TOKEN": runner.token, "github.run_id": run_id}
    context["github.run_attempt"] = "1"

    def expand(text: str) -> str:
        return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: context[m[1]], text)

    job_env = {name: expand(str(value)) for name, value in job["env"].items()}
    job_env["PYK8S_API_URL"] = runner.api_url
    workspace, probe = runner.workspace(run_id, outcome)
    env = runner.env(probe, job_env)
    codes: list[int | None] = []
    for step in job["steps"]:
        failed = any(code not in (0, None) for code in codes)
        if failed and step.get("if") != "always()":
            codes.append(None)
            continue
        if "uses" in step:
            if path := step.get("with", {}).get("path"):
                check_out_pyk8s_lab(workspace, path)
            codes.append(0)
            continue
        process = runner.shell(expand(step["run"]), cwd=workspace, env=env)
        if outcome == "hang" and "pytest" in step["run"]:
            killed_when(probe, process)
        codes.append(process.wait(timeout=300))
    return codes, probe


def run_gitlab_job(runner: Runner, run_id: str, outcome: str) -> tuple[int, int, Path]:
    """The exit codes of the job's script (before_script and script, one shell) and of its
    after_script, as GitLab runs them."""
    job = readme_job("# .gitlab-ci.yml")["integration"]
    predefined = {"CI_PIPELINE_ID": run_id, "CI_JOB_ID": f"{run_id}0", "PYK8S_TOKEN": runner.token}
    variables = {
        name: re.sub(r"\$(\w+)", lambda m: predefined[m[1]], str(value))
        for name, value in job["variables"].items()
    }
    variables["PYK8S_API_URL"] = runner.api_url
    workspace, probe = runner.workspace(run_id, outcome)
    if variables.get("GIT_SUBMODULE_STRATEGY") == "recursive":
        check_out_pyk8s_lab(workspace, "pyk8s-lab")
    env = runner.env(probe, {**predefined, **variables})
    script = "\n".join(job["before_script"] + job["script"])
    script_code = runner.shell(script, cwd=workspace, env=env).wait(timeout=300)
    after_code = runner.shell("\n".join(job["after_script"]), cwd=workspace, env=env).wait(60)
    return script_code, after_code, probe


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory) -> Path:
    python: Path = tmp_path_factory.mktemp("runner") / "python"
    subprocess.run([sys.executable, "-m", "venv", str(python)], check=True)
    return python


@pytest.fixture
def runner(stack, fake_kind, user, tmp_path, runner_python):
    subprocess.run(  # each job starts without the CLI: its own step installs it
        [runner_python / "bin" / "pip", "uninstall", "-q", "-y", "pyk8s-cli"], check=True
    )
    stack.start_worker(**fake_kind.worker_env, PYK8S_EXPIRY_INTERVAL_SECONDS=5)
    stack.start_web()
    token = issue_api_token(user)
    return Runner(tmp_path / "runner", runner_python, stack.web_url, token.secret)


def live_clusters(runner: Runner, label: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{runner.api_url}/clusters/",
        params={"label": label},
        headers={"Authorization": f"Bearer {runner.token}"},
    )
    response.raise_for_status()
    clusters: list[dict[str, Any]] = response.json()["results"]  # DELETED ones are left out
    return clusters


def no_cluster_left(runner: Runner, label: str) -> None:
    wait_until(lambda: live_clusters(runner, label) == [], timeout=60, what=f"no {label} cluster")


def test_the_github_actions_job_tests_against_its_cluster_and_removes_it(runner, stack):
    codes, probe = run_github_job(runner, "101", "pass")

    assert codes == [0, 0, 0, 0, 0, 0], stack.logs()
    cluster = yaml.safe_load((probe / "cluster.json").read_text())
    assert (cluster["name"], cluster["status"]) == ("ci-101-1", "RUNNING")
    assert cluster["labels"] == {"ci-run": "101"}
    assert (probe / "args").read_text() == "tests/integration\n"
    assert "server:" in (probe / "kubeconfig").read_text()
    assert not Path((probe / "kubeconfig-path").read_text().strip()).exists()
    no_cluster_left(runner, "ci-run=101")


def test_a_failing_test_fails_the_gitlab_job_with_its_code_and_the_cluster_goes(runner, stack):
    script_code, after_code, probe = run_gitlab_job(runner, "202", "fail")

    assert script_code == 3, stack.logs()
    assert after_code == 0
    assert yaml.safe_load((probe / "cluster.json").read_text())["status"] == "RUNNING"
    no_cluster_left(runner, "ci-run=202")


def test_a_job_killed_half_way_still_removes_its_cluster(runner, stack):
    codes, _ = run_github_job(runner, "303", "hang")

    assert codes[:4] == [0, 0, 0, 0]
    assert codes[4] == -signal.SIGKILL  # the test step, killed
    assert codes[5] == 0  # the cleanup, run anyway
    no_cluster_left(runner, "ci-run=303")
