def test_it_shows_the_account_and_server(run, logged_in, server_url):
    result = run("auth", "whoami")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{logged_in.email} on {server_url}\n"


def test_it_asks_to_log_in_first(run, server_url, monkeypatch):
    monkeypatch.setenv("PYK8S_API_URL", server_url)

    result = run("auth", "whoami")

    assert result.exit_code == 3
    assert result.stderr == f"Error: Not logged in to {server_url}. Run `pyk8s auth login`.\n"
