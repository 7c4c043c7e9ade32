"""`pyk8s --help` must stay fast: nothing heavy is imported before a command needs it."""

import os
import subprocess
import sys

HEAVY = ("django", "httpx", "rich", "yaml", "websockets")

PROBE = f"""
import sys
from cli.__main__ import main
sys.argv = ["pyk8s", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY!r}), file=sys.stderr)
"""


def loaded_by(*args: str, **env: str) -> str:
    process = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    return process.stderr.strip().splitlines()[-1]


def test_help_imports_nothing_heavy():
    assert loaded_by("--help") == "[]"


def test_cluster_help_imports_nothing_heavy():
    assert loaded_by("cluster", "create", "--help") == "[]"


def test_a_command_that_calls_the_api_does_not_import_django(unreachable_url):
    loaded = loaded_by("cluster", "list", PYK8S_API_URL=unreachable_url, PYK8S_TOKEN="t")

    assert "'httpx'" in loaded
    assert "django" not in loaded
