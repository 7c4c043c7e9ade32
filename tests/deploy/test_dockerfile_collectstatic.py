"""The image's collectstatic step works with nothing but throwaway secrets, and leaves none."""

import re
import subprocess
import sys
from pathlib import Path

from tests.deploy.chart import REPO


def collectstatic_instruction() -> str:
    dockerfile = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    (command,) = re.findall(r"^RUN (.*collectstatic.*)$", dockerfile, re.MULTILINE)
    return str(command)


def test_collectstatic_step_runs_without_real_secrets_database_or_redis(tmp_path):
    # Only what the build stage has: no DATABASE_URL, REDIS_URL, SECRET_KEY or DEBUG.
    build_env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "PYK8S_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        ["sh", "-c", collectstatic_instruction()],
        cwd=REPO,
        env=build_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "admin" / "css" / "base.css").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["static"]  # no key files
