import pytest

from tests.cli.conftest import read_config
from tests.factories import PASSWORD

# Never resolves (RFC 2606), so an allowed request fails fast as unreachable.
REMOTE_HTTP = "http://pyk8s.example.invalid"
REFUSED = (
    f"Error: The API URL {REMOTE_HTTP} is plain HTTP to another machine: your password and "
    "tokens would cross the network unencrypted. Use https://, or pass --insecure-http if you "
    "accept that.\n"
)
WARNING = (
    f"Warning: Talking to {REMOTE_HTTP} over plain HTTP: your password and tokens cross the "
    "network unencrypted.\n"
)


def login(run, *options: str):
    return run(
        "auth", "login", *options, "--email", "a@example.com", "--password-stdin", input="pw\n"
    )


def test_login_refuses_plain_http_to_another_machine(run, config_file):
    result = login(run, "--api-url", REMOTE_HTTP)

    assert result.exit_code == 2
    assert result.stderr == REFUSED
    assert not config_file.exists()


def test_commands_refuse_plain_http_from_the_environment(run, monkeypatch):
    monkeypatch.setenv("PYK8S_API_URL", REMOTE_HTTP)
    monkeypatch.setenv("PYK8S_TOKEN", "any")

    result = run("cluster", "list")

    assert result.exit_code == 2
    assert result.stderr == REFUSED


@pytest.mark.parametrize(
    "args",
    [
        ["--insecure-http", "auth", "login", "--api-url", REMOTE_HTTP],
        ["auth", "login", "--api-url", REMOTE_HTTP, "--insecure-http"],
    ],
    ids=["global", "on-login"],
)
def test_insecure_http_allows_it_with_a_warning(run, args):
    result = run(*args, "--email", "a@example.com", "--password-stdin", input="pw\n")

    assert result.exit_code == 5  # it went on to the (unreachable) server
    assert result.stderr.startswith(WARNING)


def test_the_environment_can_allow_it(run, monkeypatch):
    monkeypatch.setenv("PYK8S_INSECURE_HTTP", "1")

    result = login(run, "--api-url", REMOTE_HTTP)

    assert result.exit_code == 5
    assert result.stderr.startswith(WARNING)


def test_a_login_allowed_over_http_is_remembered_for_that_server_only(
    run, server_url, user, config_file, monkeypatch
):
    # The live test server is on loopback, so stand in for the remote check's answer.
    monkeypatch.setattr("cli.application.is_loopback_host", lambda host: False)
    result = run(
        "--insecure-http",
        "auth",
        "login",
        "--api-url",
        server_url,
        "--email",
        user.email,
        "--password-stdin",
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert read_config(config_file)["insecure_http_url"] == server_url

    whoami = run("auth", "whoami")
    assert whoami.exit_code == 0, whoami.output
    assert whoami.stderr.startswith("Warning: Talking to ")

    monkeypatch.setenv("PYK8S_API_URL", REMOTE_HTTP)
    assert run("auth", "whoami").stderr == REFUSED


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"]
)
def test_plain_http_to_this_machine_needs_nothing(run, monkeypatch, url):
    monkeypatch.setenv("PYK8S_API_URL", url)
    monkeypatch.setenv("PYK8S_TOKEN", "any")

    result = run("auth", "whoami")

    assert "Warning" not in result.stderr
    assert "plain HTTP" not in result.stderr
