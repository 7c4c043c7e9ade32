from datetime import timedelta

import yaml
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.services import access_token_revoke
from tests.cli.conftest import read_config

EXPIRED = timedelta(seconds=-5)


def save_tokens(config_file, server_url, *, access: str, refresh: str) -> None:
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(
        yaml.safe_dump({"api_url": server_url, "access_token": access, "refresh_token": refresh})
    )
    config_file.chmod(0o600)


def test_an_expired_access_token_is_renewed_automatically(run, server_url, user, config_file):
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    access.set_exp(lifetime=EXPIRED)
    save_tokens(config_file, server_url, access=str(access), refresh=str(refresh))

    result = run("auth", "whoami")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"{user.email} on {server_url}\n"
    saved = read_config(config_file)
    assert saved["access_token"] != str(access)
    assert saved["refresh_token"] != str(refresh)  # refresh tokens rotate


def test_a_revoked_access_token_is_replaced_after_the_server_refuses_it(
    run, server_url, user, config_file
):
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    access_token_revoke(access)
    save_tokens(config_file, server_url, access=str(access), refresh=str(refresh))

    result = run("auth", "whoami")

    assert result.exit_code == 0, result.output
    assert read_config(config_file)["access_token"] != str(access)


def test_it_says_to_log_in_again_when_both_tokens_expired(run, server_url, user, config_file):
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    access.set_exp(lifetime=EXPIRED)
    refresh.set_exp(lifetime=EXPIRED)
    save_tokens(config_file, server_url, access=str(access), refresh=str(refresh))

    result = run("cluster", "list")

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: Your session has expired or was ended. Log in again with `pyk8s auth login`.\n"
    )
    assert read_config(config_file)["refresh_token"] is None
