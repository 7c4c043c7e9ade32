"""The warm pool across processes: the API in this process (20 requests at once, each on its
own PostgreSQL connection), a real Celery worker making the pool, real Redis, the fake kind."""

from datetime import timedelta

import pytest

from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus
from tests.clusters.warm_pool import SPEC
from tests.concurrency import run_at_once
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.stack import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

REQUESTS = 20
POOL = 3


def ready_pool() -> list[Cluster]:
    return list(Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING))


def post_all_at_once(clients):
    return run_at_once(
        lambda number: clients[number].post("/clusters/", {"name": f"c{number}"}, format="json"),
        len(clients),
    )


def test_twenty_creates_against_a_pool_of_three(stack, fake_kind, settings):
    fake_kind.set_create_delay(0.3)
    settings.PYK8S_WARM_POOL = {SPEC: POOL}
    stack.start_worker(
        **fake_kind.worker_env,
        PYK8S_WARM_POOL=f"{SPEC[0]}:{SPEC[1]}={POOL}",
        PYK8S_MAX_CONCURRENT_PROVISIONS=3,
        PYK8S_HOST_MAX_CLUSTERS=30,
    )
    pooled = wait_until(
        lambda: len(ready_pool()) == POOL and ready_pool(), timeout=30, what="the pool to fill"
    )
    users = [UserFactory.create() for _ in range(REQUESTS)]

    responses = post_all_at_once([client_for(user) for user in users])

    assert [r.status_code for r in responses] == [202] * REQUESTS
    answers = [r.json() for r in responses]
    assert len({a["id"] for a in answers}) == REQUESTS  # no cluster handed out twice
    instant = {a["id"] for a in answers if a["status"] == "RUNNING"}
    # The whole pool was claimed; a refill made during a slow burst may be claimed as well.
    assert {str(c.id) for c in pooled} <= instant
    assert Cluster.objects.filter(id__in=instant, pooled_at=None).count() == 0
    assert sum(a["status"] == "PROVISIONING" for a in answers) == REQUESTS - len(instant)
    owners = dict(Cluster.objects.filter(id__in=instant).values_list("id", "owner"))
    assert len(set(owners.values())) == len(instant)

    requested = Cluster.objects.filter(owner__in=users)

    def all_running():
        return requested.filter(status=ClusterStatus.RUNNING).count() == REQUESTS

    wait_until(all_running, timeout=60, interval=0.2, what="every request to be RUNNING")
    assert len(set(requested.values_list("runtime_name", flat=True))) == REQUESTS

    refilled = wait_until(
        lambda: len(ready_pool()) == POOL and ready_pool(), timeout=30, what="the pool to refill"
    )
    assert not {c.id for c in refilled} & {c.id for c in pooled}
    # Users' requests went first: no new pool cluster took a slot while one waited. A row's
    # created_at is stamped before its transaction commits, so a request counts as waiting
    # only once it is surely visible to the dispatcher (committed well before).
    provisioned = requested.filter(claimed_at=None)
    for pool_cluster in refilled:
        visible_by = pool_cluster.provisioning_started_at - timedelta(seconds=2)
        for cluster in provisioned.filter(created_at__lt=visible_by):
            assert cluster.provisioning_started_at <= pool_cluster.provisioning_started_at
    assert len(fake_kind.created()) == POOL + REQUESTS  # the first pool, one per claim or request
