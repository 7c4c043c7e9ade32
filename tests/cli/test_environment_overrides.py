from rest_framework_simplejwt.tokens import RefreshToken


def test_pyk8s_api_url_and_token_work_without_a_config_file(
    run, server_url, user, config_file, monkeypatch
):
    monkeypatch.setenv("PYK8S_API_URL", server_url)
    monkeypatch.setenv("PYK8S_TOKEN", str(RefreshToken.for_user(user).access_token))

    result = run("auth", "whoami")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{user.email} on {server_url}\n"
    assert not config_file.exists()


def test_pyk8s_token_overrides_the_saved_login(run, logged_in, other_user, monkeypatch):
    monkeypatch.setenv("PYK8S_TOKEN", str(RefreshToken.for_user(other_user).access_token))

    result = run("auth", "whoami")

    assert result.stdout.startswith(f"{other_user.email} on ")


def test_pyk8s_api_url_overrides_the_saved_server(run, logged_in, unreachable_url, monkeypatch):
    monkeypatch.setenv("PYK8S_API_URL", unreachable_url)
    monkeypatch.setenv("PYK8S_TOKEN", "any")

    result = run("auth", "whoami")

    assert result.exit_code == 5
    assert unreachable_url in result.stderr


def test_the_saved_tokens_are_never_sent_to_another_server(
    run, logged_in, unreachable_url, monkeypatch
):
    monkeypatch.setenv("PYK8S_API_URL", unreachable_url)

    result = run("auth", "whoami")

    assert result.exit_code == 3
    assert result.stderr == f"Error: Not logged in to {unreachable_url}. Run `pyk8s auth login`.\n"


def test_an_expired_pyk8s_token_is_reported_as_such(run, server_url, user, monkeypatch):
    monkeypatch.setenv("PYK8S_API_URL", server_url)
    monkeypatch.setenv("PYK8S_TOKEN", "not-a-jwt")

    result = run("cluster", "list")

    assert result.exit_code == 3
    assert result.stderr.startswith("Error: The server refused the token in PYK8S_TOKEN")
