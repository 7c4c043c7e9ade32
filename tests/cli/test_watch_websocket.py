"""--wait over /ws, with a scripted WebSocket server standing in for the server's /ws.

REST calls still go to the live server; only the socket is scripted, to produce what a
real server does rarely: a close for an expired token, or a dropped connection.
"""

import json
import threading
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.sync.server import ServerConnection, serve

from clusters.models import ClusterStatus
from tests.cli.conftest import read_config
from tests.factories import ClusterFactory


@pytest.fixture
def scripted_socket(monkeypatch):
    """Runs `script(connection, number)` for each connection the CLI opens to /ws."""
    tickets: list[str] = []
    scripts: list[Callable[[ServerConnection, int], None]] = []

    def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        query = parse_qs(urlsplit(connection.request.path).query)
        assert "token" not in query  # tokens stay out of URLs
        tickets.append(query["ticket"][0])
        scripts[0](connection, len(tickets))

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        monkeypatch.setattr(
            "cli.watch._websocket_url",
            lambda api_url, ticket: f"ws://127.0.0.1:{port}/ws?ticket={ticket}",
        )
        yield scripts.append, tickets
        server.shutdown()


@pytest.fixture
def deleting(logged_in):
    return ClusterFactory.create(owner=logged_in, name="dev", status=ClusterStatus.RUNNING)


def test_it_refreshes_the_token_and_reconnects_after_a_4401_close(
    run, deleting, scripted_socket, config_file
):
    use_script, tickets = scripted_socket
    first_access = read_config(config_file)["access_token"]

    def script(connection, number):
        if number == 1:
            lines = ["Deleting cluster ..."]
            connection.send(
                json.dumps({"type": "cluster.log", "cluster_id": str(deleting.id), "lines": lines})
            )
            connection.close(4401, "token expired")
            return
        deleted = {"id": str(deleting.id), "name": "dev", "status": "DELETED"}
        connection.send(json.dumps({"type": "cluster.status.changed", "cluster": deleted}))

    use_script(script)
    result = run("cluster", "delete", "dev", "--yes", "--wait")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Cluster dev is deleted.\n"
    assert "  Deleting cluster ..." in result.stderr
    assert "Live updates are unavailable" not in result.stderr
    assert len(tickets) == 2
    assert tickets[0] != tickets[1]
    assert read_config(config_file)["access_token"] != first_access  # refreshed


def test_it_ignores_other_clusters_events(run, deleting, scripted_socket):
    use_script, _ = scripted_socket

    def script(connection, number):
        other = {"id": "another-id", "name": "other", "status": "DELETED"}
        connection.send(json.dumps({"type": "cluster.status.changed", "cluster": other}))
        connection.send("not json")
        deleted = {"id": str(deleting.id), "name": "dev", "status": "DELETED"}
        connection.send(json.dumps({"type": "cluster.status.changed", "cluster": deleted}))

    use_script(script)
    result = run("cluster", "delete", "dev", "--yes", "--wait")

    assert result.exit_code == 0, result.output
    assert "other" not in result.stderr


@pytest.mark.usefixtures("fast_polling")
def test_it_falls_back_to_polling_when_the_socket_drops(
    run, deleting, scripted_socket, simulated_worker
):
    use_script, _ = scripted_socket
    use_script(lambda connection, number: connection.close(1011, "server restarting"))

    result = run("cluster", "delete", "dev", "--yes", "--wait")

    assert result.exit_code == 0, result.output
    assert "Live updates are unavailable; checking every 0.1 s." in result.stderr
    assert result.stdout == "Cluster dev is deleted.\n"
