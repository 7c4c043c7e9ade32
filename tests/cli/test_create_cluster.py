import pytest

from clusters.models import Cluster, ClusterStatus
from tests.factories import ClusterFactory


def test_it_creates_a_cluster_in_the_background(run, logged_in):
    result = run("cluster", "create", "--name", "dev", "--ttl", "30", "--workers", "2")

    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "Cluster dev is being created; `pyk8s cluster get dev` shows its status.\n"
    )
    cluster = Cluster.objects.get(owner=logged_in, name="dev")
    assert cluster.workers == 2
    assert cluster.status == ClusterStatus.PROVISIONING


@pytest.mark.usefixtures("fast_polling")
def test_wait_follows_it_until_it_is_running(run, logged_in, simulated_worker):
    result = run("cluster", "create", "--name", "dev", "--wait")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Cluster dev is RUNNING. Use it with `pyk8s cluster get-kubeconfig dev --merge`.\n"
    )
    assert result.stderr.index("dev: PROVISIONING") < result.stderr.index("dev: RUNNING")
    # The live server has no /ws, so this is the polling fallback.
    assert "Live updates are unavailable; checking every 0.1 s." in result.stderr


@pytest.mark.usefixtures("fast_polling")
def test_wait_exits_non_zero_with_the_reason_when_it_fails(run, logged_in, simulated_worker):
    simulated_worker.fail("dev", "The node image could not be pulled.")

    result = run("cluster", "create", "--name", "dev", "--wait")

    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: Cluster dev is ERROR: The node image could not be pulled.\n"
    )


def test_an_invalid_name_says_which_option_to_fix(run, logged_in):
    result = run("cluster", "create", "--name", "Not_DNS")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --name: Use lowercase letters, digits and '-', "
        "starting and ending with a letter or digit.\n"
    )


def test_a_ttl_out_of_range_says_the_range(run, logged_in, settings):
    result = run("cluster", "create", "--name", "dev", "--ttl", "100000")

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --ttl: Choose a TTL from {settings.PYK8S_TTL_MIN_MINUTES} "
        f"to {settings.PYK8S_TTL_MAX_MINUTES} minutes.\n"
    )


def test_too_many_workers_is_refused_before_asking_the_server(run):
    result = run("cluster", "create", "--name", "dev", "--workers", "4")

    assert result.exit_code == 2
    assert "'--workers': 4 is not in the range 0<=x<=3" in result.stderr


def test_the_quota_message_comes_from_the_server(run, logged_in, settings):
    for number in range(settings.PYK8S_MAX_CLUSTERS_PER_USER):
        ClusterFactory.create(owner=logged_in, name=f"c{number}")

    result = run("cluster", "create", "--name", "one-more")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: You already have ")
