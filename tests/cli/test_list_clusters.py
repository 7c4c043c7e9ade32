import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import yaml

from clusters.models import ClusterStatus
from tests.cli.conftest import pyk8s_env
from tests.factories import ClusterFactory

PYK8S = str(Path(sys.executable).parent / "pyk8s")


def test_plain_columns_when_stdout_is_not_a_terminal(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="first", workers=1)
    ClusterFactory.create(owner=logged_in, name="second", status=ClusterStatus.PROVISIONING)

    result = run("cluster", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "VERSION", "WORKERS", "AGE", "TIME_LEFT"]
    assert lines[1].split()[:4] == ["second", "PROVISIONING", "1.33.1", "0"]
    assert lines[2].split()[:4] == ["first", "RUNNING", "1.33.1", "1"]
    assert lines[2].split()[5] in ("59m", "1h")
    assert "\x1b[" not in result.stdout


def test_json_is_the_api_objects(run, logged_in):
    cluster = ClusterFactory.create(owner=logged_in, name="first")

    result = run("cluster", "list", "-o", "json")

    listed = json.loads(result.stdout)
    assert [item["id"] for item in listed] == [str(cluster.id)]
    assert listed[0]["name"] == "first"
    assert listed[0]["status"] == "RUNNING"


def test_yaml_is_the_api_objects(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="first")

    result = run("cluster", "list", "--output", "yaml")

    assert [item["name"] for item in yaml.safe_load(result.stdout)] == ["first"]


def test_it_lists_only_the_users_clusters(run, logged_in, other_user):
    ClusterFactory.create(owner=other_user, name="not-mine")

    result = run("cluster", "list", "-o", "json")

    assert json.loads(result.stdout) == []


def test_an_empty_list_says_how_to_create_one(run, logged_in):
    result = run("cluster", "list")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert "pyk8s cluster create --name NAME" in result.stderr


def test_a_table_on_a_terminal(logged_in, cli_home, tmp_path, server_url):
    """The installed `pyk8s` script, with its stdout on a pseudo-terminal."""
    ClusterFactory.create(owner=logged_in, name="on-a-tty")
    controller, terminal = pty.openpty()
    env = pyk8s_env(tmp_path / "xdg", cli_home, COLUMNS="120", TERM="xterm")

    process = subprocess.run(
        [PYK8S, "cluster", "list"], stdout=terminal, stderr=subprocess.PIPE, env=env, timeout=60
    )
    os.close(terminal)
    output = _read_all(controller)

    assert process.returncode == 0, process.stderr
    assert "on-a-tty" in output
    assert "TIME LEFT" in output  # rich's header, not the plain TIME_LEFT column
    assert "\x1b[" in output  # styled


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()
