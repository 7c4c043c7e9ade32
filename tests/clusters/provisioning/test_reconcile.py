"""The reconciler against the fake kind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus, ReasonCode, RuntimeClusterSighting
from tests.clusters.provisioning.steps import provision, waiting_cluster
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_reconcile_marks_running_clusters_that_vanished(kind, host):
    cluster = provision(waiting_cluster())
    kind.run("delete", "cluster", "--name", cluster.runtime_name)
    report = provisioning.clusters_reconcile_host(name=host.name)
    cluster.refresh_from_db()
    assert report.disappeared == [cluster.runtime_name]
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == ReasonCode.DISAPPEARED


def test_reconcile_deletes_orphans_with_our_prefix_after_the_grace_period(kind, host, settings):
    settings.PYK8S_ORPHAN_GRACE_SECONDS = 300
    kind.add_cluster("pk-orphan00001")
    kind.add_cluster("someone-elses")
    live = provision(waiting_cluster())
    provisioning.clusters_reconcile_host(name=host.name)
    assert "pk-orphan00001" in kind.clusters()  # seen once, not yet old enough
    RuntimeClusterSighting.objects.update(first_seen_at=timezone.now() - timedelta(seconds=301))
    report = provisioning.clusters_reconcile_host(name=host.name)
    assert report.orphans_deleted == ["pk-orphan00001"]
    assert sorted(kind.clusters()) == sorted([live.runtime_name, "someone-elses"])
    assert not RuntimeClusterSighting.objects.exists()


def test_reconcile_removes_cluster_networks_nobody_holds(kind, host):
    live = provision(waiting_cluster())
    creating = waiting_cluster(host=host, runtime_name="pk-creating0001")
    networks = [live.runtime_name, creating.runtime_name, "pk-leftover0001", "not-ours"]
    kind.state.save_networks(networks)

    report = provisioning.clusters_reconcile_host(name=host.name)

    assert report.networks_deleted == ["pk-leftover0001"]
    assert sorted(kind.networks()) == sorted([*networks[:2], "not-ours"])


def test_reconcile_retries_a_create_whose_worker_died_then_gives_up(kind, host, settings):
    settings.PYK8S_CREATE_ATTEMPTS = 2
    cluster = waiting_cluster()
    provisioning.cluster_dispatch_waiting()
    dead_heartbeat = timezone.now() - timedelta(seconds=settings.PYK8S_STALE_SECONDS + 1)
    # A worker claimed it, started kind (which left nodes), then died.
    Cluster.objects.filter(id=cluster.id).update(runner="dead:1:x", heartbeat_at=dead_heartbeat)
    kind.add_cluster(cluster.runtime_name, kubeadm_done=False)

    report = provisioning.clusters_reconcile()
    cluster.refresh_from_db()
    assert report.requeued == [cluster.runtime_name]
    assert cluster.attempt == 2
    assert cluster.holds_slot
    assert cluster.host == host  # placed again, on the only live host
    provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=2)
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.RUNNING  # the leftovers were removed first
    assert kind.clusters() == [cluster.runtime_name]

    # The second attempt dies too: no third.
    Cluster.objects.filter(id=cluster.id).update(
        status=ClusterStatus.PROVISIONING,
        holds_slot=True,
        runner="dead:2:y",
        heartbeat_at=dead_heartbeat,
    )
    report = provisioning.clusters_reconcile()
    cluster.refresh_from_db()
    assert report.failed == [cluster.runtime_name]
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == ReasonCode.INTERRUPTED


def test_reconcile_retries_a_stuck_delete(no_celery, settings):
    stuck_since = timezone.now() - timedelta(
        seconds=settings.PYK8S_DELETE_TIMEOUT_SECONDS + settings.PYK8S_STALE_SECONDS + 1
    )
    cluster = ClusterFactory.create(status=ClusterStatus.DELETING, heartbeat_at=stuck_since)
    report = provisioning.clusters_reconcile()
    assert report.deletes_retried == [cluster.runtime_name]
    assert ("delete", str(cluster.id)) in no_celery


def test_reconcile_survives_an_unreachable_runtime(kind, host):
    cluster = provision(waiting_cluster())
    kind.set_fault("docker-unreachable", command="get clusters")
    report = provisioning.clusters_reconcile_host(name=host.name)
    cluster.refresh_from_db()
    assert report.runtime_unavailable
    assert cluster.status == ClusterStatus.RUNNING  # nothing concluded from a failed listing
