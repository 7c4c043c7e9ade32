import json

import yaml

from clusters.models import ClusterStatus
from tests.factories import ClusterFactory


def test_it_shows_the_cluster(run, logged_in):
    cluster = ClusterFactory.create(owner=logged_in, name="dev", workers=2)

    result = run("cluster", "get", "dev")

    assert result.exit_code == 0, result.output
    fields = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert fields["Name"].strip() == "dev"
    assert fields["ID"].strip() == str(cluster.id)
    assert fields["Status"].strip() == "RUNNING"
    assert fields["Workers"].strip() == "2"
    assert "(in 59m)" in fields["Expires"] or "(in 1h)" in fields["Expires"]


def test_it_shows_why_a_cluster_failed(run, logged_in):
    ClusterFactory.create(
        owner=logged_in, name="dev", status=ClusterStatus.ERROR, status_reason="Boom."
    )

    result = run("cluster", "get", "dev")

    assert "Reason:" in result.stdout
    assert "Boom." in result.stdout


def test_json_and_yaml_are_the_api_object(run, logged_in):
    cluster = ClusterFactory.create(owner=logged_in, name="dev")

    as_json = json.loads(run("cluster", "get", "dev", "-o", "json").stdout)
    as_yaml = yaml.safe_load(run("cluster", "get", "dev", "-o", "yaml").stdout)

    assert as_json["id"] == str(cluster.id)
    assert as_yaml == as_json


def test_an_unknown_name_exits_4(run, logged_in, other_user):
    ClusterFactory.create(owner=other_user, name="theirs")

    result = run("cluster", "get", "theirs")

    assert result.exit_code == 4
    assert result.stderr == (
        "Error: You have no cluster named 'theirs'; `pyk8s cluster list` shows yours.\n"
    )
