"""6. CLI: `pyk8s --help` and `pyk8s cluster list` (against a live daphne) wall time,
measured with hyperfine, against `python -c pass` with the same interpreter."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.harness import Figure, product_env, running_stack, token, users

RUNS = 20
TARGET_HELP_SECONDS = 0.2


def ensure_hyperfine() -> str:
    """hyperfine from Debian; installed here when missing (root, as on this project's
    machines)."""
    if not shutil.which("hyperfine"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "hyperfine"], check=True)
    return "hyperfine"


def run(work: Path) -> list[Figure]:
    hyperfine = ensure_hyperfine()
    pyk8s = str(Path(sys.executable).parent / "pyk8s")
    (user,) = users(1, "cli")
    with running_stack(work / "logs") as stack:
        stack.start_web("web", **product_env())
        env = {
            "PYK8S_API_URL": stack.web_url,
            "PYK8S_TOKEN": token(user),
            "XDG_CONFIG_HOME": str(work / "config"),
            "PATH": "/usr/bin:/bin",
            "HOME": str(work),
        }
        times = _hyperfine(
            hyperfine,
            work / "hyperfine.json",
            env,
            {
                "python -c pass": f"{sys.executable} -c pass",
                "pyk8s --help": f"{pyk8s} --help",
                "pyk8s cluster list": f"{pyk8s} cluster list",
            },
        )
    floor = times["python -c pass"]
    return [
        Figure(
            name="pyk8s --help",
            value=times["pyk8s --help"],
            unit="s",
            baseline=floor,
            baseline_name="python -c pass",
            target=f"<= {TARGET_HELP_SECONDS:g} s",
            met=times["pyk8s --help"] <= TARGET_HELP_SECONDS,
        ),
        Figure(
            name="pyk8s cluster list",
            value=times["pyk8s cluster list"],
            unit="s",
            baseline=floor,
            baseline_name="python -c pass",
        ),
    ]


def _hyperfine(
    hyperfine: str, export: Path, env: dict[str, str], commands: dict[str, str]
) -> dict[str, float]:
    argv = [hyperfine, "--warmup", "2", "--runs", str(RUNS), "-N", "--export-json", str(export)]
    for name, command in commands.items():
        argv += ["-n", name, command]
    subprocess.run(argv, env=env, check=True, capture_output=True)
    results = json.loads(export.read_text())["results"]
    return {result["command"]: result["median"] for result in results}
