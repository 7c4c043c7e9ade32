from tests.cli.conftest import mode_of, read_config
from tests.factories import PASSWORD


def test_it_logs_in_with_a_prompted_password(run, server_url, user, config_file):
    result = run("auth", "login", "--api-url", server_url, input=f"{user.email}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Logged in to {server_url} as {user.email}.\n"
    assert "Email: " in result.stderr
    assert "Password: " in result.stderr
    assert PASSWORD not in result.output
    saved = read_config(config_file)
    assert saved["api_url"] == server_url
    assert saved["email"] == user.email
    assert saved["access_token"]
    assert saved["refresh_token"]


def test_it_logs_in_with_the_password_on_stdin(run, server_url, user, config_file):
    result = run(
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
    assert read_config(config_file)["email"] == user.email


def test_it_writes_the_config_file_for_the_owner_only(logged_in, config_file):
    assert mode_of(config_file) == 0o600
    assert mode_of(config_file.parent) == 0o700


def test_it_refuses_a_wrong_password(run, server_url, user, config_file):
    result = run(
        "auth",
        "login",
        "--api-url",
        server_url,
        "--email",
        user.email,
        "--password-stdin",
        input="not-the-password\n",
    )

    assert result.exit_code == 3
    assert result.stderr == "Error: Email or password is incorrect.\n"
    assert not config_file.exists()


def test_password_stdin_needs_an_email(run, server_url):
    result = run("auth", "login", "--api-url", server_url, "--password-stdin", input="x\n")

    assert result.exit_code == 2
    assert "--password-stdin needs --email" in result.stderr


def test_it_refuses_an_api_url_that_is_not_http(run):
    result = run("auth", "login", "--api-url", "ftp://example.com", "--email", "a@example.com")

    assert result.exit_code == 2
    assert "must start with http:// or https://" in result.stderr
