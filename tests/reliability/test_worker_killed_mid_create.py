"""A worker SIGKILLed at any point of a create, then replaced: the cluster still ends
RUNNING (one runtime cluster) or ERROR (none), and nothing stays stuck.

The test process plays beat: it runs the reconciler, which requeues creates whose
heartbeat went silent and removes what a dead attempt left behind.
"""

import signal

import pytest

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus
from tests.conftest import client_for
from tests.stack import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

STALE_SECONDS = 2
WORKER_ENV = {"PYK8S_HEARTBEAT_SECONDS": 0.3, "PYK8S_STALE_SECONDS": STALE_SECONDS}


def kind_started(fake_kind, cluster):
    return any(
        run["argv"][1:3] == ["create", "cluster"] and cluster.runtime_name in run["argv"]
        for run in fake_kind.running()
    )


def nodes_exist(fake_kind, cluster):
    record = fake_kind.cluster(cluster.runtime_name)
    return kind_started(fake_kind, cluster) and record is not None and not record["kubeadm_done"]


def kubeadm_done(fake_kind, cluster):
    record = fake_kind.cluster(cluster.runtime_name)
    return kind_started(fake_kind, cluster) and record is not None and record["kubeadm_done"]


def pulling_image(fake_kind, cluster):
    return kind_started(fake_kind, cluster) and fake_kind.cluster(cluster.runtime_name) is None


# Each point is a moment of the create, seen from the fake kind's state; the create's
# 2.8 s are spread over its 7 steps, so every point lasts about 0.4 s or more.
POINTS = {
    "pulling-image": pulling_image,
    "nodes-exist": nodes_exist,
    "kubeadm-done": kubeadm_done,
}


def recovered_state(fake_kind, cluster):
    """True once the cluster is final and the runtime agrees with it."""
    provisioning.clusters_reconcile()
    cluster.refresh_from_db()
    if fake_kind.running():
        return False
    if cluster.status == ClusterStatus.RUNNING:
        return fake_kind.clusters() == [cluster.runtime_name]
    return cluster.status == ClusterStatus.ERROR and fake_kind.clusters() == []


def assert_nothing_stuck(fake_kind, cluster):
    cluster.refresh_from_db()
    assert cluster.status in (ClusterStatus.RUNNING, ClusterStatus.ERROR), cluster.status
    assert not cluster.holds_slot
    assert cluster.runner == ""
    assert fake_kind.running() == []
    expected = [cluster.runtime_name] if cluster.status == ClusterStatus.RUNNING else []
    assert fake_kind.clusters() == expected


@pytest.fixture
def reconciling(settings, fake_kind):
    """This process's reconciler, configured like the workers."""
    settings.PYK8S_STALE_SECONDS = STALE_SECONDS
    settings.PYK8S_ORPHAN_GRACE_SECONDS = 0


@pytest.mark.parametrize("point", list(POINTS))
def test_it_recovers_a_create_killed_while_kind_runs(stack, fake_kind, user, reconciling, point):
    fake_kind.set_create_delay(2.8)
    worker = stack.start_worker("worker-a", **fake_kind.worker_env, **WORKER_ENV)
    response = client_for(user).post("/clusters/", {"name": "survivor"}, format="json")
    assert response.status_code == 202, response.content
    cluster = Cluster.objects.get(id=response.json()["id"])

    wait_until(lambda: POINTS[point](fake_kind, cluster), timeout=20, interval=0.02, what=point)
    worker.kill(signal.SIGKILL)
    worker.popen.wait(timeout=10)
    stack.start_worker("worker-b", **fake_kind.worker_env, **WORKER_ENV)

    wait_until(
        lambda: recovered_state(fake_kind, cluster), timeout=45, interval=0.5, what="recovery"
    )
    assert_nothing_stuck(fake_kind, cluster)
    assert cluster.attempt == 2  # the dead attempt was taken over, not run twice at once


def test_it_runs_a_create_queued_for_a_worker_that_died(stack, fake_kind, user, reconciling):
    worker = stack.start_worker("worker-a", **fake_kind.worker_env, **WORKER_ENV)
    worker.kill(signal.SIGKILL)
    worker.popen.wait(timeout=10)
    response = client_for(user).post("/clusters/", {"name": "orphaned"}, format="json")
    assert response.status_code == 202, response.content
    cluster = Cluster.objects.get(id=response.json()["id"])
    # The placement the create queued, as a worker would run it: the dead worker's host row is
    # still the newest, so the slot goes to it, and the provisioning message waits there.
    provisioning.cluster_dispatch_waiting()
    cluster.refresh_from_db()
    assert cluster.holds_slot

    stack.start_worker("worker-b", **fake_kind.worker_env, **WORKER_ENV)

    wait_until(
        lambda: recovered_state(fake_kind, cluster), timeout=45, interval=0.5, what="recovery"
    )
    assert_nothing_stuck(fake_kind, cluster)
    assert cluster.status == ClusterStatus.RUNNING
