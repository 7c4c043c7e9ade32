"""`pyk8s token create | list | revoke`, and an API token as PYK8S_TOKEN."""

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken


@pytest.fixture
def ci_token(run, logged_in):
    """A clusters:write token's secret, made with the CLI as a user would."""
    result = run("token", "create", "ci", "--scope", "clusters:write", "--expires-in", "7d")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_create_prints_the_secret_alone_on_stdout(run, logged_in):
    result = run("token", "create", "github", "--scope", "clusters:read")

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n"
    assert secret.startswith("pk8s_")
    assert "Token 'github' created: clusters:read, expires " in result.stderr
    assert "shown this once" in result.stderr
    token = ApiToken.objects.get(name="github")
    assert token.prefix == secret[5:13]


def test_create_with_an_expiry_and_as_json(run, logged_in):
    result = run(
        "token", "create", "ci", "--scope", "clusters:write", "--expires-in", "12h", "-o", "json"
    )

    created = json.loads(result.stdout)
    assert created["token"].startswith("pk8s_")
    expires_at = datetime.fromisoformat(created["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(hours=12))) < timedelta(minutes=1)


@pytest.mark.parametrize("given", ["30", "2w", "0d", "-1d", "soon"])
def test_a_malformed_expiry_is_a_usage_error(run, logged_in, given):
    result = run("token", "create", "ci", "--scope", "clusters:read", "--expires-in", given)

    assert result.exit_code == 2
    assert "write it like 30d, 12h or never" in result.stderr
    assert not ApiToken.objects.exists()


def test_never_is_refused_where_the_server_wants_an_expiry(run, logged_in):
    result = run("token", "create", "ci", "--scope", "clusters:read", "--expires-in", "never")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: expires_at: Tokens on this server must expire: give an expiry of at most 90 days.\n"
    )


def test_a_second_token_of_the_same_name_is_refused(run, ci_token):
    result = run("token", "create", "ci", "--scope", "clusters:read")

    assert result.exit_code == 2
    assert "You already have a token named 'ci'" in result.stderr


def test_list_shows_the_tokens_and_never_a_secret(run, ci_token):
    run("cluster", "list")  # as the user: no token use

    table = run("token", "list")
    as_json = run("token", "list", "-o", "json")

    assert table.exit_code == 0, table.output
    header, row = table.stdout.splitlines()
    assert header.split() == ["NAME", "SCOPE", "PREFIX", "AGE", "EXPIRES", "LAST_USED", "FROM"]
    assert row.split()[:3] == ["ci", "clusters:write", ci_token[5:13]]
    assert "in 6d23h" in row or "in 7d" in row
    assert ci_token[13:] not in table.stdout + as_json.stdout
    assert [token["name"] for token in json.loads(as_json.stdout)] == ["ci"]


def test_a_token_as_pyk8s_token_needs_no_login(run, ci_token, server_url, config_file, monkeypatch):
    config_file.unlink()  # no saved login at all, as on a CI runner
    monkeypatch.setenv("PYK8S_API_URL", server_url)
    monkeypatch.setenv("PYK8S_TOKEN", ci_token)

    created = run("cluster", "create", "--name", "from-ci", "-o", "name")
    listed = run("cluster", "list", "-o", "name")
    refused = run("token", "list")

    assert created.exit_code == 0, created.output
    assert listed.stdout == "from-ci\n"
    assert refused.exit_code == 3
    assert "API tokens cannot do this" in refused.stderr
    assert not config_file.exists()


def test_a_read_token_is_told_the_scope_it_lacks(run, logged_in, server_url, monkeypatch):
    secret = run("token", "create", "ro", "--scope", "clusters:read").stdout.strip()
    monkeypatch.setenv("PYK8S_TOKEN", secret)

    result = run("cluster", "create", "--name", "nope")

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: This needs an API token with scope clusters:write; this one has clusters:read.\n"
    )


def test_revoke_by_name_stops_the_token(run, ci_token, server_url, monkeypatch):
    result = run("token", "revoke", "ci")
    monkeypatch.setenv("PYK8S_TOKEN", ci_token)
    after = run("cluster", "list")

    assert result.exit_code == 0, result.output
    assert "Revoked token 'ci'." in result.stdout
    assert after.exit_code == 3
    assert "The server refused the token in PYK8S_TOKEN" in after.stderr


def test_revoke_all_asks_first_unless_yes(run, ci_token):
    run("token", "create", "other", "--scope", "clusters:read")

    declined = run("token", "revoke", "--all", input="n\n")
    done = run("token", "revoke", "--all", "--yes")

    assert declined.exit_code == 1
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert "Revoked 2 token(s)." in done.stdout


@pytest.mark.parametrize("args", [[], ["ci", "--all"]])
def test_revoke_takes_a_name_or_all(run, logged_in, args):
    result = run("token", "revoke", *args)

    assert result.exit_code == 2
    assert result.stderr == "Error: Give a token's NAME or --all (not both).\n"


def test_revoking_an_unknown_name_says_so(run, logged_in):
    result = run("token", "revoke", "nope")

    assert result.exit_code == 4
    assert "You have no token named 'nope'" in result.stderr
