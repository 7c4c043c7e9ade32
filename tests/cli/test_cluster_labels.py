"""Labels from the CLI: a pipeline tags its clusters with its run id, lists them, and its
cleanup step deletes them all, whatever happened before."""

import json

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


def test_create_labels_the_cluster_and_get_shows_them(run, logged_in):
    created = run("cluster", "create", "--name", "ci", "--label", "ci-run=4711", "--label", "t=w")
    shown = run("cluster", "get", "ci")

    assert created.exit_code == 0, created.output
    assert Cluster.objects.get(name="ci").labels == {"ci-run": "4711", "t": "w"}
    assert "Labels:" in shown.stdout
    assert "ci-run=4711,t=w" in shown.stdout


def test_a_label_without_a_value_is_a_usage_error(run, logged_in):
    result = run("cluster", "create", "--name", "ci", "--label", "ci-run")

    assert result.exit_code == 2
    assert "'ci-run': write it as KEY=VALUE." in result.stderr
    assert not Cluster.objects.exists()


def test_list_selects_by_label(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="mine", labels={"ci-run": "1"})
    ClusterFactory.create(owner=logged_in, name="other", labels={"ci-run": "2"})

    result = run("cluster", "list", "-l", "ci-run=1", "-o", "json")

    assert [c["name"] for c in json.loads(result.stdout)] == ["mine"]


def test_delete_by_label_deletes_every_match_and_nothing_else(run, logged_in):
    for name in ("a", "b"):
        ClusterFactory.create(owner=logged_in, name=name, labels={"ci-run": "1"})
    ClusterFactory.create(owner=logged_in, name="keep", labels={"ci-run": "2"})

    result = run("cluster", "delete", "-l", "ci-run=1", "--yes")

    assert result.exit_code == 0, result.output
    statuses = dict(Cluster.objects.values_list("name", "status"))
    assert statuses == {"a": "DELETING", "b": "DELETING", "keep": ClusterStatus.RUNNING}
    assert result.stdout == "2 clusters (b, a) are being deleted.\n"


def test_delete_by_label_with_no_match_succeeds_quietly(run, logged_in):
    result = run("cluster", "delete", "-l", "ci-run=9", "--yes")

    assert result.exit_code == 0
    assert result.stderr == "No cluster carries ci-run=9: nothing to delete.\n"


def test_delete_needs_a_name_or_labels_but_not_both(run, logged_in):
    assert run("cluster", "delete", "--yes").exit_code == 2
    assert run("cluster", "delete", "x", "-l", "a=b", "--yes").exit_code == 2
