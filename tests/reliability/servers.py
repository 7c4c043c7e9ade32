"""Private Redis and PostgreSQL servers for the tests that restart them: the run's own are
shared by every test and must never be restarted."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.datastores import PrivatePostgres, PrivateRedis


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    # Not under tmp_path: its unix socket's path must stay short.
    server = PrivatePostgres(Path(tempfile.mkdtemp(prefix="pyk8s-pg-")))
    server.init()
    yield server
    server.remove()
