"""Quota and name checks hold under real concurrency: 20 requests at once, each on its own
PostgreSQL connection, committing for real (hence a transactional test)."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clusters import provisioning, tasks
from clusters.models import Cluster
from tests.concurrency import run_at_once
from tests.conftest import record_sends
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 20


@pytest.fixture
def provisions(monkeypatch):
    """The provisioning tasks queued, each with whether a transaction was still open, once
    the placements the creates queued have run (as a worker runs them)."""
    queued: list[tuple[str, bool]] = []
    placements: list[bool] = []

    def delay(cluster_id, *args):
        queued.append((cluster_id, connection.in_atomic_block))

    record_sends(monkeypatch, tasks.cluster_provision, delay)
    record_sends(
        monkeypatch, tasks.clusters_dispatch, lambda: placements.append(connection.in_atomic_block)
    )
    provisioning.worker_host_register(name="test-host", max_concurrent_provisions=REQUESTS)

    def placed() -> list[tuple[str, bool]]:
        assert placements
        assert not any(placements)  # queued after the commit, never inside it
        tasks.clusters_dispatch()
        return queued

    return placed


def post_all_at_once(user, bodies):
    token = APIClient().post(
        "/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    )
    auth = f"Bearer {token.json()['access']}"
    return run_at_once(
        lambda number: APIClient(HTTP_AUTHORIZATION=auth).post(
            "/clusters/", bodies[number], format="json"
        ),
        len(bodies),
    )


def test_exactly_the_quota_is_accepted(settings, user, provisions):
    settings.PYK8S_MAX_CLUSTERS_PER_USER = 3

    responses = post_all_at_once(user, [{"name": f"web-{i}"} for i in range(REQUESTS)])

    accepted = [r.json()["id"] for r in responses if r.status_code == 202]
    refused = [r for r in responses if r.status_code != 202]
    assert len(accepted) == 3
    assert {r.status_code for r in refused} == {409}
    assert {r.json()["code"] for r in refused} == {"quota_exceeded"}
    assert sorted(str(i) for i in Cluster.objects.values_list("id", flat=True)) == sorted(accepted)
    # One provisioning task per accepted cluster, each queued after its row was committed.
    assert sorted(provisions()) == sorted((cluster_id, False) for cluster_id in accepted)


def test_exactly_one_request_gets_a_name(settings, user, provisions):
    settings.PYK8S_MAX_CLUSTERS_PER_USER = REQUESTS

    responses = post_all_at_once(user, [{"name": "web"}] * REQUESTS)

    accepted = [r for r in responses if r.status_code == 202]
    refused = [r for r in responses if r.status_code != 202]
    assert len(accepted) == 1
    assert {r.status_code for r in refused} == {400}
    assert all(r.json() == {"name": [NAME_TAKEN]} for r in refused)
    assert Cluster.objects.count() == 1
    assert provisions() == [(accepted[0].json()["id"], False)]


NAME_TAKEN = "You already have a cluster named 'web'; choose another name."
