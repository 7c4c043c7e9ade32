"""Terminal sessions end to end in one process: the /ws/clusters/<id>/terminal consumer, the
real channel layer (Redis), the relay, a real pseudo-terminal, and a real shell started by a
stand-in for the docker CLI (tests/fakes/docker_terminal.py)."""

import asyncio
import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import api_tokens
from accounts.services import user_sessions_end
from clusters import consumers, relay
from clusters.models import Cluster, ClusterStatus
from clusters.provisioning import reconcile
from tests.clusters.terminal import new_host_name, open_terminal, relay_running, running_cluster
from tests.factories import ClusterFactory, UserFactory, issue_api_token

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_channel_layer"),
]


def run(scenario):
    async_to_sync(scenario)()


@pytest.fixture
def host_name():
    return new_host_name()


@pytest.fixture
def cluster(fake_kind, fake_terminal_docker, host_name):
    return running_cluster(fake_kind, host_name=host_name)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # zombies left for their parent count as gone
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
                stat = text.rsplit(") ", 1)[1].split()
            except OSError:
                continue
            if int(stat[2]) == pgid and stat[0] != "Z":
                return True
    return False


def test_what_is_typed_comes_back_from_the_shell(cluster, host_name):
    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"echo round-$((6*7))-trip\n")
            await terminal.expect(rb"round-42-trip")
            await terminal.disconnect()

    run(scenario)


def test_the_shell_gets_the_clusters_internal_kubeconfig_and_nothing_of_the_host(
    cluster, host_name, fake_terminal_docker
):
    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"grep server: ~/.kube/config; echo env=$PYK8S_KUBECONFIG.\n")
            await terminal.expect(
                rb"https://" + cluster.runtime_name.encode() + rb"-control-plane:6443"
            )
            await terminal.expect(rb"env=\.")  # unset once written
            await terminal.disconnect()

    run(scenario)
    assert fake_terminal_docker.containers() == []  # removed with its session


def test_the_container_runs_locked_down_on_the_clusters_network(cluster, host_name):
    from clusters.providers.terminal import terminal_run_argv

    argv = terminal_run_argv(
        session_id="s1", network=cluster.runtime_name, hostname="h", host=host_name, relay_id="r"
    )
    assert argv[1:5] == ["run", "--rm", "--interactive", "--tty"]
    for option in (
        ["--network", cluster.runtime_name],
        ["--user", "1000:1000"],
        ["--cap-drop", "ALL"],
        ["--security-opt", "no-new-privileges"],
        ["--read-only"],
        ["--pids-limit", "128"],
        ["--memory", "256m"],
    ):
        index = argv.index(option[0])
        assert argv[index : index + len(option)] == option
    # the kubeconfig's value comes from the environment, never argv (`ps` shows argv)
    assert "PYK8S_KUBECONFIG" in argv
    assert not any(a.startswith("PYK8S_KUBECONFIG=") for a in argv)
    assert not any(a in ("-v", "--volume", "--mount", "--privileged") for a in argv)
    assert not any("docker.sock" in a for a in argv)


def test_a_resize_reaches_the_shell(cluster, host_name):
    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id, "&cols=90&rows=30")
            await terminal.send(b"stty size\n")
            await terminal.expect(rb"30 90")
            await terminal.resize(123, 41)
            await terminal.send(b"stty size\n")
            await terminal.expect(rb"41 123")
            await terminal.disconnect()

    run(scenario)


def test_the_shells_exit_code_ends_the_session(cluster, host_name, fake_terminal_docker):
    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"exit 7\n")
            assert await terminal.until_closed() == 1000
            assert terminal.control == [{"type": "exit", "code": 7}]

    run(scenario)
    assert fake_terminal_docker.containers() == []


def test_a_session_without_input_ends_after_the_idle_time(cluster, host_name, settings):
    settings.PYK8S_TERMINAL_IDLE_MINUTES = 0.03  # 1.8 s

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            started = time.monotonic()
            assert await terminal.until_closed(timeout=15) == consumers.CLOSE_REFUSED
            assert time.monotonic() - started >= 1.5
            assert terminal.control == [
                {
                    "type": "error",
                    "message": "The terminal closed after 0.03 minutes without input.",
                }
            ]

    run(scenario)


def test_closing_the_socket_kills_the_whole_process_group(cluster, host_name, fake_terminal_docker):
    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"sleep 300 & echo started-$!\n")
            await terminal.expect(rb"started-\d+")
            (container,) = fake_terminal_docker.containers()
            assert group_alive(container["pid"])
            await terminal.disconnect()
            deadline = time.monotonic() + 10
            while group_alive(container["pid"]) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert not group_alive(container["pid"])
            while fake_terminal_docker.containers() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert fake_terminal_docker.containers() == []  # docker rm --force ran

    run(scenario)


def test_a_user_has_at_most_the_configured_number_of_terminals(cluster, host_name, settings):
    settings.PYK8S_TERMINALS_PER_USER = 1

    async def scenario():
        async with relay_running(host_name):
            first = await open_terminal(cluster.owner, cluster.id)
            await first.send(b"echo first\n")
            await first.expect(rb"first")
            second = await open_terminal(cluster.owner, cluster.id)
            assert await second.until_closed() == consumers.CLOSE_REFUSED
            assert "You already have 1 terminal(s) open" in second.control[0]["message"]
            await first.disconnect()
            await asyncio.sleep(0.2)
            third = await open_terminal(cluster.owner, cluster.id)  # the slot is free again
            await third.send(b"echo third\n")
            await third.expect(rb"third")
            await third.disconnect()

    run(scenario)


def test_another_users_cluster_answers_like_a_missing_one(cluster, host_name):
    stranger = UserFactory.create()

    async def scenario():
        async with relay_running(host_name):
            theirs = await open_terminal(stranger, cluster.id)
            missing = await open_terminal(stranger, uuid.uuid4())
            for terminal in (theirs, missing):
                assert await terminal.until_closed() == consumers.CLOSE_NOT_FOUND
                assert terminal.control == [{"type": "error", "message": "Cluster not found."}]
                assert terminal.output == b""

    run(scenario)


def test_a_terminal_takes_a_write_token_and_closes_when_it_is_revoked(cluster, host_name):
    def issue(scope):
        return issue_api_token(cluster.owner, scope=scope, name=scope).token

    read, write = issue("clusters:read"), issue("clusters:write")

    async def scenario():
        async with relay_running(host_name):
            refused = await open_terminal(cluster.owner, cluster.id, credential=read)
            assert await refused.until_closed() == consumers.CLOSE_FORBIDDEN
            assert refused.control == [
                {
                    "type": "error",
                    "message": "A terminal needs an API token with scope clusters:write; "
                    "this one has clusters:read.",
                }
            ]
            terminal = await open_terminal(cluster.owner, cluster.id, credential=write)
            await terminal.send(b"echo with-$((6*7))-token\n")
            await terminal.expect(rb"with-42-token")
            await database_sync_to_async(api_tokens.api_token_revoke)(token=write)
            assert await terminal.until_closed() == consumers.CLOSE_UNAUTHORIZED

    run(scenario)


def test_a_shell_outlives_its_access_token_but_not_a_log_out_everywhere(cluster, host_name):
    access = RefreshToken.for_user(cluster.owner).access_token
    access.set_exp(lifetime=timedelta(seconds=2))

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id, credential=access)
            await asyncio.sleep(3)  # the access token has expired
            await terminal.send(b"echo still-$((6*7))\n")
            await terminal.expect(rb"still-42")
            await database_sync_to_async(user_sessions_end)(user=cluster.owner)
            assert await terminal.until_closed() == consumers.CLOSE_UNAUTHORIZED

    run(scenario)


def test_a_cluster_that_is_not_running_gets_no_terminal(fake_kind, fake_terminal_docker, host_name):
    cluster = ClusterFactory.create(status=ClusterStatus.PROVISIONING)

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            assert await terminal.until_closed() == consumers.CLOSE_REFUSED
            assert terminal.control == [
                {
                    "type": "error",
                    "message": (
                        "The cluster is provisioning: a terminal opens on a running cluster."
                    ),
                }
            ]

    run(scenario)
    assert fake_terminal_docker.containers() == []


def test_the_session_ends_when_the_cluster_leaves_running(
    cluster, host_name, fake_terminal_docker, monkeypatch
):
    monkeypatch.setattr(relay, "STATUS_POLL_SECONDS", 0.2)

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"echo ready\n")
            await terminal.expect(rb"ready")
            await database_sync_to_async(Cluster.objects.filter(id=cluster.id).update)(
                status=ClusterStatus.DELETING
            )
            assert await terminal.until_closed() == consumers.CLOSE_REFUSED
            assert terminal.control == [
                {
                    "type": "error",
                    "message": "The cluster is no longer running: its terminal closed.",
                }
            ]

    run(scenario)
    assert fake_terminal_docker.containers() == []


def test_an_output_flood_is_held_to_the_rate_cap(cluster, host_name, settings):
    settings.PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND = 20_000

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"yes\n")
            await terminal.expect(rb"y\r\ny\r\n")
            started, before = time.monotonic(), len(terminal.output)
            frames = 0
            while time.monotonic() - started < 2:
                frames += await terminal.read_once(0.5)
            elapsed = time.monotonic() - started
            received = len(terminal.output) - before
            # yes writes megabytes a second; what reaches the channel layer stays at the cap
            # (plus one second's burst), in at most 100 messages a second.
            assert 10_000 < received <= 20_000 * (elapsed + 1) + 16 * 1024
            assert frames <= 100 * elapsed + 5
            await terminal.disconnect()

    run(scenario)


def test_no_terminal_image_is_said_plainly(cluster, host_name, settings):
    settings.PYK8S_TERMINAL_IMAGE = "pyk8s-terminal:missing"

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            assert await terminal.until_closed() == consumers.CLOSE_REFUSED
            assert terminal.control == [
                {
                    "type": "error",
                    "message": "the terminal is not available on this deployment: the terminal "
                    "image pyk8s-terminal:missing is not on the cluster host",
                }
            ]

    run(scenario)


def test_no_docker_engine_is_said_plainly(cluster, host_name, fake_terminal_docker):
    fake_terminal_docker.set_engine_down()

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            assert await terminal.until_closed() == consumers.CLOSE_REFUSED
            assert terminal.control[0]["message"] == (
                "the terminal is not available on this deployment: the cluster host's Docker "
                "engine does not answer"
            )

    run(scenario)


def test_no_relay_on_the_host_is_said_plainly_without_a_hang(cluster, monkeypatch, host_name):
    monkeypatch.setattr(consumers, "OPEN_TIMEOUT_SECONDS", 0.5)

    async def scenario():
        terminal = await open_terminal(cluster.owner, cluster.id)
        assert await terminal.until_closed(timeout=5) == consumers.CLOSE_REFUSED
        assert terminal.control[0]["message"].startswith(
            "the terminal is not available on this deployment: no terminal relay answers on "
            f"the cluster's host {host_name}"
        )

    run(scenario)


def test_a_deployment_without_a_terminal_image_refuses_at_once(cluster, settings):
    settings.PYK8S_TERMINAL_IMAGE = ""

    async def scenario():
        terminal = await open_terminal(cluster.owner, cluster.id)
        assert await terminal.until_closed(timeout=3) == consumers.CLOSE_REFUSED
        assert terminal.control[0]["message"] == (
            "the terminal is not available on this deployment: no terminal image is configured"
        )

    run(scenario)


def test_each_session_is_logged_once_without_its_content(cluster, host_name, caplog):
    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"echo secret-words\n")
            await terminal.expect(rb"secret-words\r\n")
            await terminal.send(b"exit 0\n")
            await terminal.until_closed()

    with caplog.at_level(logging.INFO, logger="clusters.relay"):
        run(scenario)
    (record,) = [r for r in caplog.records if r.getMessage() == "terminal session"]
    assert record.user_id == cluster.owner.id
    assert record.cluster_id == str(cluster.id)
    assert record.bytes_in == len(b"echo secret-words\n") + len(b"exit 0\n")
    assert record.bytes_out > 0
    assert record.end == "exit"
    assert record.started_at <= record.ended_at
    assert "secret-words" not in caplog.text


def metric(name: str) -> float:
    text = Client().get("/metrics").text
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


def test_open_sessions_and_session_seconds_are_in_the_metrics(cluster, host_name):
    seconds_before = metric("pyk8s_terminal_session_seconds_total")

    async def scenario():
        async with relay_running(host_name):
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"echo counted\n")
            await terminal.expect(rb"counted")
            open_now = await database_sync_to_async(metric)("pyk8s_terminal_sessions_open")
            assert open_now == 1
            await terminal.send(b"exit\n")
            await terminal.until_closed()
            deadline = time.monotonic() + 5
            while open_now and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # the consumer frees the slot as it closes
                open_now = await database_sync_to_async(metric)("pyk8s_terminal_sessions_open")
            assert open_now == 0

    run(scenario)
    assert metric("pyk8s_terminal_session_seconds_total") > seconds_before


def test_the_reconciler_removes_the_containers_of_a_dead_relay(
    cluster, host_name, fake_terminal_docker, settings
):
    settings.PYK8S_WORKER_HOST = host_name

    async def scenario():
        async with relay_running(host_name) as alive:
            terminal = await open_terminal(cluster.owner, cluster.id)
            await terminal.send(b"echo up\n")
            await terminal.expect(rb"up")
            # a container of another relay of this host, which died without cleaning up
            await asyncio.to_thread(_add_leftover, fake_terminal_docker, host_name)
            report = await database_sync_to_async(reconcile.clusters_reconcile_host)(name=host_name)
            assert report.terminals_removed == ["pyk8s-terminal-leftover"]
            names = [c["name"] for c in fake_terminal_docker.containers()]
            assert names == [f"pyk8s-terminal-{next(iter(alive.sessions))}"]
            await terminal.disconnect()

    run(scenario)


def _add_leftover(fake, host_name):
    import subprocess

    subprocess.Popen(
        [
            str(fake.binary), "run", "--rm", "-i", "-t", "--name", "pyk8s-terminal-leftover",
            "--label", f"io.pyk8s.terminal.host={host_name}",
            "--label", "io.pyk8s.terminal.relay=dead-relay",
            "image", "sleep", "300",
        ],
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 5
    while len(fake.containers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
