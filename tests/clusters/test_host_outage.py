"""A host that stops heartbeating: its clusters show "host unreachable" (rows and
kubeconfigs kept), its deletes wait, and its own reconcile brings them back to the truth
when it returns. In-process, against the fake kind as host-a's Docker engine."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import crypto, provisioning, tasks
from clusters.models import Cluster, ClusterStatus, ReasonCode, WorkerHost
from tests.clusters.hosts import register_host
from tests.conftest import record_sends
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)

KUBECONFIG = "apiVersion: v1\nkind: Config\n"


@pytest.fixture(autouse=True)
def sent(monkeypatch) -> list[tuple]:
    """Tasks sent to the broker, recorded instead."""
    sent: list[tuple] = []
    for task in ("cluster_provision", "cluster_delete", "clusters_reconcile_host"):
        record_sends(
            monkeypatch, getattr(tasks, task), lambda *args, task=task: sent.append((task, *args))
        )
    return sent


@pytest.fixture(autouse=True)
def host_a(fake_kind, settings):
    """This process is host-a's worker, fake_kind its Docker engine."""
    settings.PYK8S_WORKER_HOST = "host-a"
    settings.PYK8S_HOST_DEAD_SECONDS = 120
    return register_host("host-a")


def go_silent(host: WorkerHost) -> None:
    WorkerHost.objects.filter(id=host.id).update(
        last_seen_at=timezone.now() - timedelta(seconds=121)
    )


def running_on(host: WorkerHost, fake_kind=None) -> Cluster:
    cluster = ClusterFactory.create(host=host, kubeconfig=KUBECONFIG)
    Cluster.objects.filter(id=cluster.id).update(
        provisioned_at=timezone.now() - timedelta(minutes=5)
    )
    if fake_kind is not None:
        fake_kind.add_cluster(cluster.runtime_name)
    return cluster


def test_running_clusters_of_a_silent_host_show_host_unreachable(host_a):
    host_b = register_host("host-b")
    stranded, elsewhere = running_on(host_a), running_on(host_b)
    go_silent(host_a)

    report = provisioning.clusters_reconcile()

    stranded.refresh_from_db()
    assert report.unreachable == [stranded.runtime_name]
    assert stranded.status == ClusterStatus.ERROR
    assert stranded.status_reason_code == ReasonCode.HOST_UNREACHABLE
    assert stranded.status_reason.startswith("Host unreachable:")
    assert stranded.kubeconfig_encrypted is not None  # kept for when the host is back
    elsewhere.refresh_from_db()
    assert elsewhere.status == ClusterStatus.RUNNING


def test_deletes_on_a_silent_host_wait_for_it(host_a, sent, settings):
    long_ago = timezone.now() - timedelta(
        seconds=settings.PYK8S_DELETE_TIMEOUT_SECONDS + settings.PYK8S_STALE_SECONDS + 1
    )
    deleting = ClusterFactory.create(
        host=host_a, status=ClusterStatus.DELETING, heartbeat_at=long_ago
    )
    go_silent(host_a)

    report = provisioning.clusters_reconcile()

    assert report.deletes_retried == []  # its message waits in host-a's queue already
    deleting.refresh_from_db()
    assert deleting.status == ClusterStatus.DELETING


def test_only_live_hosts_are_asked_to_reconcile(host_a, sent):
    register_host("host-b", draining=True)
    register_host("host-c")
    go_silent(host_a)

    report = provisioning.clusters_reconcile()

    assert report.hosts == ["host-b", "host-c"]
    assert [s for s in sent if s[0] == "clusters_reconcile_host"] == [
        ("clusters_reconcile_host", "host-b"),
        ("clusters_reconcile_host", "host-c"),
    ]


def test_a_returning_host_brings_back_what_is_still_there(host_a, fake_kind):
    still_there, gone = running_on(host_a, fake_kind), running_on(host_a)
    go_silent(host_a)
    provisioning.clusters_reconcile()
    provisioning.worker_host_heartbeat(name="host-a")

    report = provisioning.clusters_reconcile_host(name="host-a")

    assert report.reachable_again == [still_there.runtime_name]
    assert report.disappeared == [gone.runtime_name]
    still_there.refresh_from_db()
    assert (still_there.status, still_there.status_reason_code) == (ClusterStatus.RUNNING, "")
    assert still_there.kubeconfig_encrypted is not None
    assert crypto.decrypt_kubeconfig(still_there.id, still_there.kubeconfig_encrypted) == (
        KUBECONFIG
    )
    gone.refresh_from_db()
    assert (gone.status, gone.status_reason_code) == (
        ClusterStatus.ERROR,
        ReasonCode.DISAPPEARED,
    )


def test_a_cluster_that_expired_while_its_host_was_silent_is_deleted_when_it_returns(
    host_a, fake_kind, sent
):
    cluster = running_on(host_a, fake_kind)
    go_silent(host_a)
    provisioning.clusters_reconcile()
    Cluster.objects.filter(id=cluster.id).update(ttl_expires_at=timezone.now())

    assert provisioning.cluster_expire_due() == [cluster.id]
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETING  # waits for its host
    provisioning.worker_host_heartbeat(name="host-a")
    provisioning.clusters_reconcile_host(name="host-a")
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETING  # reconcile does not resurrect it

    assert ("cluster_delete", str(cluster.id)) in sent
    provisioning.cluster_delete(cluster_id=str(cluster.id))  # the queued delete, on host-a
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETED
    assert fake_kind.clusters() == []


def test_a_host_reconciles_only_its_own_docker_engine(host_a, fake_kind):
    host_b = register_host("host-b")
    on_b = running_on(host_b)  # not in host-a's engine, and must not be judged by it

    report = provisioning.clusters_reconcile_host(name="host-b")

    assert report == provisioning.HostReconcileReport()
    assert fake_kind.invocations() == []
    report = provisioning.clusters_reconcile_host(name="host-a")
    assert report.disappeared == []
    on_b.refresh_from_db()
    assert on_b.status == ClusterStatus.RUNNING


def test_a_runtime_cluster_is_an_orphan_where_its_row_does_not_place_it(
    host_a, fake_kind, settings
):
    settings.PYK8S_ORPHAN_GRACE_SECONDS = 0
    host_b = register_host("host-b")
    moved = running_on(host_b)
    fake_kind.add_cluster(moved.runtime_name)  # left on host-a by an earlier attempt
    unplaced = ClusterFactory.create(status=ClusterStatus.PROVISIONING)
    fake_kind.add_cluster(unplaced.runtime_name)  # a requeued create's leftovers
    mine = running_on(host_a, fake_kind)

    report = provisioning.clusters_reconcile_host(name="host-a")  # no grace: at first sight

    assert report.orphans_deleted == [moved.runtime_name]
    assert sorted(fake_kind.clusters()) == sorted([unplaced.runtime_name, mine.runtime_name])


def test_a_create_interrupted_on_a_silent_host_moves_to_a_live_one(host_a, settings):
    stale = timezone.now() - timedelta(seconds=settings.PYK8S_STALE_SECONDS + 1)
    cluster = ClusterFactory.create(
        status=ClusterStatus.PROVISIONING,
        host=host_a,
        holds_slot=True,
        attempt=1,
        runner="host-a:1:x",
        provisioning_started_at=stale,
        heartbeat_at=stale,
    )
    go_silent(host_a)
    host_b = register_host("host-b")

    report = provisioning.clusters_reconcile()

    cluster.refresh_from_db()
    assert report.requeued == [cluster.runtime_name]
    assert (cluster.host, cluster.attempt, cluster.holds_slot) == (host_b, 2, True)
