import yaml

from tests.cli.conftest import read_config
from tests.factories import PASSWORD


def test_it_forgets_the_session(run, logged_in, config_file):
    result = run("auth", "logout")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Logged out of http://")
    saved = read_config(config_file)
    assert saved["access_token"] is None
    assert saved["refresh_token"] is None
    assert saved["email"] == logged_in.email  # offered again at the next login


def test_it_revokes_the_tokens_on_the_server(run, logged_in, config_file, monkeypatch):
    access = read_config(config_file)["access_token"]

    run("auth", "logout")
    monkeypatch.setenv("PYK8S_TOKEN", access)
    result = run("auth", "whoami")

    assert result.exit_code == 3
    assert "PYK8S_TOKEN" in result.stderr


def test_it_says_so_when_not_logged_in(run):
    result = run("auth", "logout")

    assert result.exit_code == 0
    assert result.stderr == "You are not logged in.\n"


def test_it_forgets_the_session_even_when_the_server_is_down(
    run, logged_in, config_file, unreachable_url
):
    saved = read_config(config_file)
    config_file.write_text(yaml.safe_dump({**saved, "api_url": unreachable_url}))

    result = run("auth", "logout")

    assert result.exit_code == 5
    assert result.stderr.startswith("Error: Logged out here, but the server could not revoke")
    assert read_config(config_file)["refresh_token"] is None


def test_all_ends_every_session_of_the_account(run, logged_in, config_file, api_client):
    other_session = api_client.post(
        "/auth/token", {"email": logged_in.email, "password": PASSWORD}, format="json"
    ).json()

    result = run("auth", "logout", "--all")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Logged out of {read_config(config_file)['api_url']} everywhere: every session ended.\n"
    )
    assert read_config(config_file)["refresh_token"] is None
    refreshed = api_client.post(
        "/auth/token/refresh", {"refresh": other_session["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401
