from clusters.models import ClusterStatus
from tests.factories import ClusterFactory


def test_it_prints_what_kind_printed(run, logged_in):
    ClusterFactory.create(
        owner=logged_in,
        name="dev",
        status=ClusterStatus.ERROR,
        provisioning_log='Creating cluster "pk-1" ...\n ✗ Preparing nodes 📦\nERROR: no space left',
    )

    result = run("cluster", "logs", "dev")

    assert result.exit_code == 0, result.output
    assert (
        result.stdout
        == 'Creating cluster "pk-1" ...\n ✗ Preparing nodes 📦\nERROR: no space left\n'
    )


def test_it_says_so_when_kind_has_printed_nothing_yet(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="dev", status=ClusterStatus.PROVISIONING)

    result = run("cluster", "logs", "dev")

    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "kind has printed nothing for dev yet.\n"


def test_an_unknown_cluster_is_not_found(run, logged_in):
    result = run("cluster", "logs", "nope")

    assert result.exit_code == 4
    assert "nope" in result.stderr
