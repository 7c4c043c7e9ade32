"""Where `make test` gets its PostgreSQL and Redis (tests/datastores.py)."""

import contextlib
import subprocess
import sys

import psycopg
import pytest

from tests import datastores
from tests.datastores import MACHINE_POSTGRES_URL, _choose


@contextlib.contextmanager
def throwaway():
    yield "postgres://throwaway"


@pytest.mark.parametrize(
    ("given", "machine_answers", "expected"),
    [
        ("postgres://given", True, ("postgres://given", "given")),
        ("", True, (MACHINE_POSTGRES_URL, "this machine's")),
        ("", False, ("postgres://throwaway", "throwaway")),
    ],
)
def test_it_prefers_the_given_server_then_the_machines_then_a_throwaway(
    given, machine_answers, expected
):
    with contextlib.ExitStack() as stack:
        chosen = _choose(given, MACHINE_POSTGRES_URL, lambda url: machine_answers, throwaway, stack)
    assert chosen == expected


def test_a_throwaway_postgres_serves_the_command_and_is_gone_after_it(monkeypatch, tmp_path):
    monkeypatch.setattr(datastores, "MACHINE_POSTGRES_URL", "postgres://postgres@127.0.0.1:1/x")
    monkeypatch.setenv("TEST_DATABASE_URL", "")
    monkeypatch.setenv("TEST_REDIS_URL", "redis://unused")
    seen = tmp_path / "url"
    command = [
        sys.executable,
        "-c",
        f"import os; open({str(seen)!r}, 'w').write(os.environ['DATABASE_URL'])",
    ]

    assert datastores.main(command) == 0

    url = seen.read_text()
    assert url.startswith("postgres://postgres@127.0.0.1:")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    port = url.rsplit(":", 1)[1].split("/")[0]
    leftovers = subprocess.run(["pgrep", "-f", f"port={port}"], capture_output=True)
    assert leftovers.stdout == b""
