"""`pyk8s cluster run NAME -- CMD`: the command runs against the cluster, nothing stays behind."""

from pathlib import Path

from clusters.models import ClusterStatus
from tests.cli.conftest import kind_kubeconfig
from tests.factories import ClusterFactory


def test_the_command_sees_the_clusters_kubeconfig_and_its_exit_code_passes_through(
    run, running, tmp_path
):
    seen = tmp_path / "seen"
    script = (
        f'cat "$KUBECONFIG" > {seen}; ls -l "$KUBECONFIG" > {seen}.mode; '
        f'echo "$KUBECONFIG" > {seen}.path; exit 3'
    )

    result = run("cluster", "run", "dev", "--", "sh", "-c", script)

    assert result.exit_code == 3, result.output
    assert seen.read_text() == kind_kubeconfig("pk-dev")
    assert (tmp_path / "seen.mode").read_text().startswith("-rw-------")
    used = (tmp_path / "seen.path").read_text().strip()
    assert used.endswith("/kubeconfig")
    assert not Path(used).parent.exists()  # removed with its directory


def test_a_successful_command_exits_zero(run, running):
    assert run("cluster", "run", "dev", "--", "true").exit_code == 0


def test_a_missing_command_exits_127_without_a_traceback(run, running):
    result = run("cluster", "run", "dev", "--", "no-such-command-here")

    assert result.exit_code == 127
    assert result.stderr == "Error: no-such-command-here: command not found.\n"


def test_a_cluster_that_is_not_running_runs_nothing(run, logged_in, tmp_path):
    ClusterFactory.create(owner=logged_in, name="early", status=ClusterStatus.PROVISIONING)
    marker = tmp_path / "ran"

    result = run("cluster", "run", "early", "--", "touch", str(marker))

    assert result.exit_code == 1
    assert "RUNNING" in result.stderr
    assert not marker.exists()
