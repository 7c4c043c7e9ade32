"""The CLI installed alone (`pip install ./cli`) into a virtualenv of its own: none of the
server's code or dependencies, on the server's Python and on any newer one this machine has
(pyenv's, here)."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import ClusterFactory

ROOT = Path(__file__).resolve().parents[2]
UV = str(Path(sys.executable).with_name("uv"))


def newer_pythons() -> list[str]:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
    return sorted(str(path) for path in Path(root, "versions").glob("3.1[2-9]*/bin/python3"))


def installed_alone(python: str, where: Path) -> Path:
    # From a copy: setuptools builds in the source tree (build/, *.egg-info).
    source = shutil.copytree(
        ROOT / "cli", where / "source", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = where / "venv"
    subprocess.run([UV, "venv", "-q", "--python", python, str(venv)], check=True)
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(source)],
        check=True,
    )
    return venv / "bin"


@pytest.mark.parametrize("python", [sys.executable, *newer_pythons()])
def test_the_cli_alone_lists_clusters(python, tmp_path, live_server, user):
    ClusterFactory.create(owner=user, name="listed-by-the-cli")
    bin_dir = installed_alone(python, tmp_path)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYK8S_API_URL": live_server.url,
        "PYK8S_TOKEN": str(AccessToken.for_user(user)),
    }

    listed = subprocess.run(
        [bin_dir / "pyk8s", "cluster", "list", "-o", "json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert listed.returncode == 0, listed.stderr
    assert [cluster["name"] for cluster in json.loads(listed.stdout)] == ["listed-by-the-cli"]
    for server_side in ("django", "celery", "clusters", "pyk8s"):
        # From tmp_path: from the checkout, "import pyk8s" would find the server's package.
        probe = subprocess.run(
            [bin_dir / "python", "-c", f"import {server_side}"], env=env, cwd=tmp_path
        )
        assert probe.returncode != 0, f"{server_side} came with the CLI"


def test_the_cli_alone_has_the_projects_version(tmp_path):
    bin_dir = installed_alone(sys.executable, tmp_path)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    shown = subprocess.run(
        [bin_dir / "pyk8s", "--version"], capture_output=True, text=True, cwd=tmp_path
    )

    assert shown.stdout == f"pyk8s {project['version']}\n"
