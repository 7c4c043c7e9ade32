import pytest
import yaml

from clusters.models import Cluster, ClusterStatus


def test_it_deletes_after_confirmation(run, running):
    result = run("cluster", "delete", "dev", input="y\n")

    assert result.exit_code == 0, result.output
    assert "Delete cluster dev and everything in it? [y/N]" in result.stderr
    assert result.stdout == "Cluster dev is being deleted.\n"
    running.refresh_from_db()
    assert running.status == ClusterStatus.DELETING


def test_it_keeps_the_cluster_when_not_confirmed(run, running):
    result = run("cluster", "delete", "dev", input="n\n")

    assert result.exit_code == 1
    running.refresh_from_db()
    assert running.status == ClusterStatus.RUNNING


@pytest.mark.usefixtures("fast_polling")
def test_wait_returns_once_it_is_deleted(run, running, simulated_worker):
    result = run("cluster", "delete", "dev", "--yes", "--wait")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Cluster dev is deleted.\n"
    assert result.stderr.index("dev: DELETING") < result.stderr.index("dev: DELETED")
    assert Cluster.objects.get(id=running.id).status == ClusterStatus.DELETED


def test_it_removes_the_merged_context_and_keeps_the_others(run, running, kubeconfig_file):
    kubeconfig_file.parent.mkdir()
    kubeconfig_file.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "work", "cluster": {"server": "https://work"}}],
                "contexts": [{"name": "work", "context": {"cluster": "work", "user": "me"}}],
                "users": [{"name": "me", "user": {"token": "t"}}],
                "current-context": "work",
            }
        )
    )
    run("cluster", "get-kubeconfig", "dev", "--merge")

    result = run("cluster", "delete", "dev", "--yes")

    assert result.exit_code == 0, result.output
    assert f"Removed context pyk8s-dev from {kubeconfig_file}." in result.stderr
    config = yaml.safe_load(kubeconfig_file.read_text())
    assert [c["name"] for c in config["contexts"]] == ["work"]
    assert [c["name"] for c in config["clusters"]] == ["work"]
    assert [u["name"] for u in config["users"]] == ["me"]
    assert config["current-context"] == ""  # it was pyk8s-dev, which is gone


def test_a_corrupt_kubeconfig_only_warns(run, running, kubeconfig_file):
    kubeconfig_file.parent.mkdir()
    kubeconfig_file.write_text("contexts: [oops\n")

    result = run("cluster", "delete", "dev", "--yes")

    assert result.exit_code == 0
    assert "Warning: Could not remove context pyk8s-dev:" in result.stderr
    running.refresh_from_db()
    assert running.status == ClusterStatus.DELETING


def test_an_unknown_name_exits_4(run, logged_in):
    result = run("cluster", "delete", "nope", "--yes")

    assert result.exit_code == 4
    assert result.stderr == (
        "Error: You have no cluster named 'nope'; `pyk8s cluster list` shows yours.\n"
    )
