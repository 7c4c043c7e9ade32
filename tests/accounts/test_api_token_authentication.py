"""API tokens where a JWT goes: scopes, guessing, and what the logs never hold."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from tests.conftest import token_client
from tests.factories import ClusterFactory, issue_api_token


def issue(user, scope="clusters:write"):
    return issue_api_token(user, scope=scope, name=f"t-{scope}").secret


@pytest.fixture
def read_client(user):
    return token_client(issue(user, "clusters:read"))


@pytest.fixture
def write_client(user):
    return token_client(issue(user, "clusters:write"))


@pytest.fixture
def running(user):
    return ClusterFactory(owner=user, kubeconfig="apiVersion: v1\nkind: Config\n")


def test_a_read_token_lists_and_reads_clusters(read_client, running):
    assert read_client.get("/clusters/").json()["results"][0]["id"] == str(running.id)
    assert read_client.get(f"/clusters/{running.id}").status_code == 200
    assert read_client.get(f"/clusters/{running.id}/log").status_code == 200
    assert read_client.get("/clusters/choices").status_code == 200
    assert read_client.get("/users/me").status_code == 200
    assert read_client.post("/ws/ticket").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/clusters/", {"name": "x"}),
        ("delete", "/clusters/{id}", None),
        ("post", "/clusters/{id}/extend", {"minutes": 30}),
        ("get", "/clusters/{id}/kubeconfig", None),
    ],
)
def test_a_read_token_changes_nothing_and_reads_no_kubeconfig(
    read_client, running, method, path, body
):
    response = getattr(read_client, method)(path.format(id=running.id), body, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This needs an API token with scope clusters:write; this one has clusters:read.",
        "code": "token_scope",
    }
    running.refresh_from_db()
    assert running.status == "RUNNING"


def test_a_write_token_creates_reads_the_kubeconfig_extends_and_deletes(
    write_client, running, queued_tasks
):
    assert write_client.post("/clusters/", {"name": "ci"}, format="json").status_code == 202
    assert write_client.get(f"/clusters/{running.id}/kubeconfig").status_code == 200
    extended = write_client.post(f"/clusters/{running.id}/extend", {"minutes": 30}, format="json")
    assert extended.status_code == 200
    assert write_client.delete(f"/clusters/{running.id}").status_code == 202


def test_a_token_sees_only_its_owners_clusters(write_client, other_user):
    theirs = ClusterFactory(owner=other_user)

    assert write_client.get(f"/clusters/{theirs.id}").status_code == 404
    assert write_client.get("/clusters/").json()["results"] == []


def test_guessing_tokens_is_throttled_per_address_valid_ones_included(user, settings):
    settings.PYK8S_API_TOKEN_GUESS_RATE = "3/minute"
    valid = issue(user)
    guess = token_client("pk8s_AAAAAAAA." + "A" * 40)

    guesses = [guess.get("/clusters/", REMOTE_ADDR="198.51.100.1") for _ in range(4)]
    from_there = token_client(valid).get("/clusters/", REMOTE_ADDR="198.51.100.1")
    from_elsewhere = token_client(valid).get("/clusters/", REMOTE_ADDR="198.51.100.2")

    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    assert int(guesses[-1]["Retry-After"]) > 0
    assert from_there.status_code == 429  # else the guess that is right would say so
    assert from_elsewhere.status_code == 200


def test_valid_tokens_do_not_count_as_guesses(user, settings):
    settings.PYK8S_API_TOKEN_GUESS_RATE = "2/minute"
    client = token_client(issue(user))

    assert [client.get("/clusters/").status_code for _ in range(5)] == [200] * 5


@pytest.mark.parametrize(
    "presented", ["pk8s_", "pk8s_nodot", "pk8s_AAAAAAAA.wrong", "pk8s_\u00e9t\u00e9.x"]
)
def test_malformed_tokens_are_401_not_500(api_client, presented, user):
    issue(user)
    response = token_client(presented).get("/clusters/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_with_the_right_prefix_and_a_wrong_secret_is_refused(user):
    valid = issue(user)
    prefix = valid[: len("pk8s_") + 8]

    assert token_client(prefix + "." + "B" * 40).get("/clusters/").status_code == 401


def test_no_log_line_holds_the_token(user, caplog):
    secret = issue(user)
    caplog.set_level(logging.DEBUG)

    token_client(secret).get("/clusters/")
    token_client(secret).get("/tokens/")  # refused: logged as a 403

    assert caplog.records
    assert not [r for r in caplog.records if secret[5:] in r.getMessage() + str(r.__dict__)]


def test_the_last_use_is_written_at_most_once_a_minute_per_address(user):
    secret = issue(user)
    token = ApiToken.objects.get()
    a_while_ago = timezone.now() - timedelta(seconds=20)
    ApiToken.objects.update(last_used_at=a_while_ago, last_used_ip="192.0.2.1")

    token_client(secret).get("/clusters/", REMOTE_ADDR="192.0.2.1")
    token.refresh_from_db()
    assert token.last_used_at == a_while_ago  # within the minute, same address: not rewritten

    token_client(secret).get("/clusters/", REMOTE_ADDR="192.0.2.2")
    token.refresh_from_db()
    assert (token.last_used_ip, token.last_used_at > a_while_ago) == ("192.0.2.2", True)
