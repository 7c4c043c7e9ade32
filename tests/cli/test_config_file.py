import pytest

from tests.cli.conftest import mode_of


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("api_url: [unclosed\n", "is not valid YAML (line 2)"),
        ("- just\n- a list\n", "is not a mapping of settings"),
        ("api_url: http://x\nfavourite_colour: blue\n", "has unknown settings: favourite_colour"),
        (
            "api_url: http://x\naccess_token: {a: 1}\n",
            "has settings that are not text: access_token",
        ),
    ],
)
def test_a_corrupt_config_file_gets_a_clear_error(run, config_file, content, problem):
    config_file.parent.mkdir(parents=True)
    config_file.write_text(content)
    config_file.chmod(0o600)

    result = run("cluster", "list")

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The config file {config_file} {problem}. "
        "Fix it, or delete it and run `pyk8s auth login`.\n"
    )


def test_it_warns_when_others_can_read_the_config_file(run, logged_in, config_file):
    config_file.chmod(0o644)

    result = run("auth", "whoami")

    assert result.exit_code == 0
    assert f"Warning: {config_file} can be read by other users" in result.stderr


def test_saving_it_again_makes_it_private(run, logged_in, server_url, config_file):
    config_file.chmod(0o644)

    run("auth", "logout")

    assert mode_of(config_file) == 0o600
