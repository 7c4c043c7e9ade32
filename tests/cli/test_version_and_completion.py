import importlib.metadata

import pytest
from click.testing import CliRunner, Result

from cli import pyk8s
from tests.factories import ClusterFactory


def test_version(run):
    result = run("--version")

    assert result.exit_code == 0
    assert result.stdout == f"pyk8s {importlib.metadata.version('pyk8s-lab')}\n"


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F"), ("zsh", "#compdef pyk8s"), ("fish", "complete --no-files")],
)
def test_completion_prints_the_script_for_the_shell(run, shell, marker):
    result = run("completion", shell)

    assert result.exit_code == 0
    assert marker in result.stdout
    assert "_PYK8S_COMPLETE" in result.stdout


def test_completion_help_says_how_to_install_it(run):
    result = run("completion", "--help")

    assert 'eval "$(pyk8s completion bash)"' in result.stdout


def test_an_unknown_shell_is_a_usage_error(run):
    result = run("completion", "powershell")

    assert result.exit_code == 2


def bash_completions(line: str) -> Result:
    """What bash completion offers for the last word of `line` (empty: a new word)."""
    words = line.split(" ")
    return CliRunner().invoke(
        pyk8s,
        [],
        prog_name="pyk8s",
        env={
            "_PYK8S_COMPLETE": "bash_complete",
            "COMP_WORDS": line,
            "COMP_CWORD": str(len(words) - 1),
        },
    )


def test_cluster_names_complete_from_the_server(logged_in):
    ClusterFactory.create(owner=logged_in, name="dev")
    ClusterFactory.create(owner=logged_in, name="demo")
    ClusterFactory.create(owner=logged_in, name="prod")

    result = bash_completions("pyk8s cluster get d")

    assert result.stdout.splitlines() == ["plain,demo", "plain,dev"]


def test_kubernetes_versions_complete_from_the_server(logged_in, settings):
    settings.PYK8S_KUBERNETES_VERSIONS = ["1.33.1", "1.32.5", "1.31.9"]

    result = bash_completions("pyk8s cluster create --name x --k8s-version 1.3")

    assert result.stdout.splitlines() == ["plain,1.33.1", "plain,1.32.5", "plain,1.31.9"]


def test_nothing_completes_when_logged_out():
    result = bash_completions("pyk8s cluster create --k8s-version ")

    assert (result.exit_code, result.stdout.strip()) == (0, "")
