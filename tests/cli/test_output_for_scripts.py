"""-o json|yaml|name on the cluster commands, and --if-not-exists: stable output for scripts."""

import json

import pytest
import yaml

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


def test_create_prints_the_created_object_and_nothing_else(run, logged_in):
    result = run("cluster", "create", "--name", "ci-7", "-o", "json")

    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert (created["name"], created["status"]) == ("ci-7", "PROVISIONING")
    assert created["id"] == str(Cluster.objects.get(name="ci-7").id)


@pytest.mark.usefixtures("fast_polling")
def test_create_with_wait_prints_the_final_object_once(run, logged_in, simulated_worker):
    result = run("cluster", "create", "--name", "ci-7", "--wait", "-o", "yaml")

    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["status"] == "RUNNING"
    assert result.stdout.count("name: ci-7") == 1
    assert "ci-7: PROVISIONING" in result.stderr  # progress stays on stderr


def test_if_not_exists_creates_nothing_when_the_name_is_taken(run, logged_in):
    first = run("cluster", "create", "--name", "ci-7", "--if-not-exists", "-o", "name")
    again = run("cluster", "create", "--name", "ci-7", "--if-not-exists", "-o", "name")

    assert (first.exit_code, again.exit_code) == (0, 0), first.output + again.output
    assert first.stdout == again.stdout == "ci-7\n"
    assert Cluster.objects.filter(owner=logged_in, name="ci-7").count() == 1


def test_without_if_not_exists_a_taken_name_fails(run, logged_in):
    run("cluster", "create", "--name", "ci-7")

    result = run("cluster", "create", "--name", "ci-7")

    assert result.exit_code == 2
    assert "choose another name" in result.stderr


def test_list_prints_names_one_a_line(run, logged_in):
    for name in ("a", "b"):
        ClusterFactory.create(owner=logged_in, name=name)

    result = run("cluster", "list", "-o", "name")

    assert sorted(result.stdout.splitlines()) == ["a", "b"]


def test_extend_and_delete_print_the_object(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="ci-7", status=ClusterStatus.RUNNING)

    extended = run("cluster", "extend", "ci-7", "--minutes", "10", "-o", "json")
    deleted = run("cluster", "delete", "ci-7", "--yes", "-o", "json")

    assert extended.exit_code == 0, extended.output
    assert json.loads(extended.stdout)["name"] == "ci-7"
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(deleted.stdout)["status"] == "DELETING"
