"""The provisioning engine across processes: the API in this process, real Celery workers,
real Redis and PostgreSQL, the fake kind."""

import signal
import time
from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from clusters import crypto, provisioning, tasks
from clusters.models import Cluster, ClusterStatus, WorkerHost
from tests.conftest import client_for
from tests.factories import ClusterFactory
from tests.stack import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def create(client, name: str, **fields) -> Cluster:
    response = client.post("/clusters/", {"name": name, **fields}, format="json")
    assert response.status_code == 202, response.content
    return Cluster.objects.get(id=response.json()["id"])


def settled(cluster: Cluster, *statuses: str, timeout: float = 30) -> Cluster:
    def reached():
        cluster.refresh_from_db()
        return cluster.status in statuses

    wait_until(reached, timeout=timeout, what=f"{cluster.name} to reach {statuses}")
    return cluster


def test_a_post_becomes_a_running_cluster_and_a_delete_removes_it(stack, fake_kind, user):
    stack.start_worker(**fake_kind.worker_env)
    client = client_for(user)
    cluster = settled(create(client, "demo", workers=1), ClusterStatus.RUNNING)

    assert cluster.kubeconfig_encrypted is not None
    kubeconfig = crypto.decrypt_kubeconfig(cluster.id, cluster.kubeconfig_encrypted)
    written = fake_kind.run("get", "kubeconfig", "--name", cluster.runtime_name).stdout
    assert kubeconfig.strip() == written.strip()
    assert fake_kind.clusters() == [cluster.runtime_name]

    assert client.delete(f"/clusters/{cluster.id}/").status_code == 202
    settled(cluster, ClusterStatus.DELETED)
    assert fake_kind.clusters() == []


def test_a_kind_failure_ends_in_error_without_retries(stack, fake_kind, user):
    fake_kind.set_fault("disk-full", cluster="pk-*")
    stack.start_worker(**fake_kind.worker_env)
    cluster = settled(create(client_for(user), "full"), ClusterStatus.ERROR)
    assert cluster.status_reason_code == "out_of_disk"
    assert len(fake_kind.invocations("create cluster")) == 1


def test_a_hanging_create_is_killed_at_the_timeout_with_its_children(stack, fake_kind, user):
    fake_kind.set_fault("hang", cluster="pk-*", times=1)
    stack.start_worker(**fake_kind.worker_env, PYK8S_CREATE_TIMEOUT_SECONDS=2)
    cluster = settled(create(client_for(user), "stuck"), ClusterStatus.ERROR)
    assert cluster.status_reason_code == "timeout"
    assert fake_kind.running() == []  # neither kind nor the child it started is left
    assert fake_kind.clusters() == []  # and what it had made was removed


def test_concurrent_expiry_runs_delete_every_expired_cluster_once(stack, fake_kind):
    stack.start_worker(**fake_kind.worker_env)  # a pool of 4 processes
    host = WorkerHost.objects.get(name="worker")
    expired = ClusterFactory.create_batch(6, host=host, ttl_expires_at=timezone.now())
    kept = ClusterFactory.create(host=host)
    for cluster in [*expired, kept]:
        fake_kind.add_cluster(cluster.runtime_name)

    for _ in range(3):  # three passes at once, as several beats would send them
        tasks.clusters_expire.delay()

    for cluster in expired:
        settled(cluster, ClusterStatus.DELETED)
    deleted = [run["cluster"] for run in fake_kind.invocations("delete cluster")]
    assert sorted(deleted) == sorted(c.runtime_name for c in expired)  # each exactly once
    assert fake_kind.clusters() == [kept.runtime_name]


def test_beat_removes_every_expired_cluster_within_two_intervals(stack, fake_kind):
    interval = 2  # PYK8S_EXPIRY_INTERVAL_SECONDS, 60 by default; beat reads it from its table
    every, _ = IntervalSchedule.objects.get_or_create(
        every=interval, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.filter(task=tasks.clusters_expire.name).update(interval=every)
    stack.start_worker(**fake_kind.worker_env)
    beat = stack.start_beat()
    wait_until(lambda: "Sending due task" in beat.log(), timeout=30, what="beat to run")
    host = WorkerHost.objects.get(name="worker")
    due = timezone.now() + timedelta(seconds=1)
    expiring = ClusterFactory.create_batch(5, host=host, ttl_expires_at=due)
    kept = ClusterFactory.create(host=host)
    for cluster in [*expiring, kept]:
        fake_kind.add_cluster(cluster.runtime_name)

    for cluster in expiring:
        settled(cluster, ClusterStatus.DELETED, timeout=2 * interval + 30)

    assert fake_kind.clusters() == [kept.runtime_name]
    deletes = fake_kind.invocations("delete cluster")
    delete_time = max(run["end"] - run["start"] for run in deletes)
    last = Cluster.objects.filter(id__in=[c.id for c in expiring]).aggregate(Max("deleted_at"))
    late = last["deleted_at__max"] - due
    print(f"expired -> DELETED at most {late.total_seconds():.1f} s after the TTL")
    # The target: gone within two expiry intervals plus the delete itself.
    assert late.total_seconds() <= 2 * interval + delete_time + 2


def test_the_reconciler_removes_orphans_and_never_foreign_clusters(stack, fake_kind):
    fake_kind.add_cluster("pk-orphan00001")
    fake_kind.add_cluster("someone-elses")
    stack.start_worker(**fake_kind.worker_env, PYK8S_ORPHAN_GRACE_SECONDS=1)

    def orphan_gone() -> bool:
        tasks.clusters_reconcile_host.delay("worker")  # beat's periodic reconcile, sooner
        return "pk-orphan00001" not in fake_kind.clusters()

    wait_until(orphan_gone, timeout=30, interval=1, what="the orphan to be deleted")
    assert fake_kind.clusters() == ["someone-elses"]
    deleted = [run["cluster"] for run in fake_kind.invocations("delete cluster")]
    assert deleted == ["pk-orphan00001"]


def test_a_burst_of_creates_never_exceeds_the_host_capacity(stack, fake_kind, settings):
    from tests.factories import UserFactory

    fake_kind.set_create_delay(0.6)
    stack.start_worker(
        **fake_kind.worker_env,
        PYK8S_MAX_CONCURRENT_PROVISIONS=2,
        PYK8S_HOST_MAX_CLUSTERS=21,  # room for all: only the slots limit this burst
    )
    clusters = []
    for _n in range(7):  # 7 users x 3 clusters = a burst of 21 creates
        client = client_for(UserFactory.create())
        clusters += [create(client, f"c{i}") for i in range(3)]
    waiting = Cluster.objects.filter(
        provisioning_started_at=None, status=ClusterStatus.PROVISIONING
    )
    assert waiting.count() >= 15  # most wait in the queue, each with its position
    for cluster in clusters:
        settled(cluster, ClusterStatus.RUNNING, timeout=60)
    assert fake_kind.max_concurrent("create cluster") == 2
    assert sorted(fake_kind.created()) == sorted(c.runtime_name for c in clusters)


def test_clusters_wait_in_order_and_show_their_position(stack, fake_kind, user, other_user):
    fake_kind.set_create_delay(1.0)
    stack.start_worker(**fake_kind.worker_env, PYK8S_MAX_CONCURRENT_PROVISIONS=1)
    client = client_for(user)
    first, _, third = (create(client, name) for name in ("first", "second", "third"))
    # The worker places what waits (clusters_dispatch, queued by each create).
    wait_until(
        lambda: Cluster.objects.filter(id=first.id, provisioning_started_at__isnull=False).exists(),
        timeout=30,
        what="the worker to place the first",
    )
    positions = {c["name"]: c["queue_position"] for c in client.get("/clusters/").json()["results"]}
    assert positions == {"first": None, "second": 0, "third": 1}
    settled(third, ClusterStatus.RUNNING)
    by_start = Cluster.objects.order_by("provisioned_at").values_list("name", flat=True)
    assert list(by_start) == ["first", "second", "third"]


def test_a_worker_killed_mid_create_loses_nothing(stack, fake_kind, user, settings):
    fake_kind.set_create_delay(3)
    env = {
        "PYK8S_WORKER_HOST": "host-a",  # one Docker host, its worker killed and restarted
        **fake_kind.worker_env,
        "PYK8S_HEARTBEAT_SECONDS": 0.5,
        "PYK8S_STALE_SECONDS": 2,
    }
    worker = stack.start_worker("worker-a", **env)
    cluster = create(client_for(user), "survivor")
    wait_until(lambda: fake_kind.running(), timeout=15, what="kind to start")
    worker.kill(signal.SIGKILL)
    worker.popen.wait(timeout=10)

    stack.start_worker("worker-b", **env)
    settings.PYK8S_STALE_SECONDS = 2

    def recovered():
        provisioning.clusters_reconcile()  # what beat runs every few minutes
        cluster.refresh_from_db()
        return cluster.status in (ClusterStatus.RUNNING, ClusterStatus.ERROR)

    wait_until(recovered, timeout=45, interval=1, what="the cluster to be recovered")
    time.sleep(1)
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.RUNNING, cluster.status_reason
    assert cluster.attempt == 2
    assert not cluster.holds_slot
    assert fake_kind.clusters() == [cluster.runtime_name]  # exactly one, not orphaned
