from datetime import timedelta

from tests.factories import ClusterFactory


def test_it_pushes_the_expiry_back(run, logged_in):
    cluster = ClusterFactory.create(owner=logged_in, name="dev")
    before = cluster.ttl_expires_at

    result = run("cluster", "extend", "dev", "--minutes", "30")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Cluster dev now expires at ")
    assert "(in 1h29m)" in result.stdout or "(in 1h30m)" in result.stdout
    cluster.refresh_from_db()
    assert cluster.ttl_expires_at - before == timedelta(minutes=30)


def test_past_the_maximum_lifetime_it_says_how_much_is_left(run, logged_in, settings):
    ClusterFactory.create(owner=logged_in, name="dev")

    result = run("cluster", "extend", "dev", "--minutes", str(settings.PYK8S_TTL_MAX_MINUTES))

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --minutes: A cluster may live at most ")


def test_minutes_must_be_positive(run):
    result = run("cluster", "extend", "dev", "--minutes", "0")

    assert result.exit_code == 2
    assert "'--minutes': 0 is not in the range x>=1" in result.stderr
