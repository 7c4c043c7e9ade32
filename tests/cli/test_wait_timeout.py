"""--wait --timeout: a pipeline never hangs on a cluster that does not come up."""

import pytest

from clusters.models import ClusterStatus
from tests.factories import ClusterFactory


@pytest.mark.usefixtures("fast_polling")
def test_a_create_that_does_not_settle_in_time_exits_6_saying_where_it_is(run, logged_in):
    # No worker here: the cluster stays PROVISIONING.
    result = run("cluster", "create", "--name", "slow", "--wait", "--timeout", "1s")

    assert result.exit_code == 6
    assert result.stderr.endswith(
        "Error: Gave up after waiting 1s: slow is PROVISIONING (next for a slot). The server "
        "carries on; `pyk8s cluster get slow` shows where it is.\n"
    )


@pytest.mark.usefixtures("fast_polling")
def test_a_delete_that_does_not_settle_in_time_exits_6(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="stuck", status=ClusterStatus.RUNNING)

    result = run("cluster", "delete", "stuck", "--yes", "--wait", "--timeout", "1")

    assert result.exit_code == 6
    assert "Gave up after waiting 1s: stuck is DELETING." in result.stderr


@pytest.mark.usefixtures("fast_polling")
def test_a_cluster_that_settles_in_time_is_not_affected(run, logged_in, simulated_worker):
    result = run("cluster", "create", "--name", "quick", "--wait", "--timeout", "1m")

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", ["10x", "m", "-5", "1.5m"])
def test_a_malformed_timeout_is_a_usage_error(run, logged_in, value):
    result = run("cluster", "create", "--name", "x", "--wait", "--timeout", value)

    assert result.exit_code == 2
    assert "write it like 10m, 90s or 1h30m." in result.stderr


def test_timeout_goes_with_wait(run, logged_in):
    result = run("cluster", "create", "--name", "x", "--timeout", "10m")

    assert result.exit_code == 2
    assert "--timeout goes with --wait." in result.stderr
