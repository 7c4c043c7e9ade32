"""The provisioning engine run in-process against the fake kind: create, failures,
timeouts, delete, expiry and reconciliation."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone
from rest_framework.test import APIClient

from clusters import crypto, provisioning, selectors, services, tasks
from clusters.models import Cluster, ClusterStatus, ReasonCode, RuntimeClusterSighting
from tests.concurrency import run_at_once
from tests.conftest import record_sends
from tests.factories import ClusterFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def kind(fake_kind, settings):
    settings.PYK8S_HEARTBEAT_SECONDS = 0.2
    return fake_kind


@pytest.fixture
def host(settings):
    """This process is the worker of host-a, which has just registered."""
    settings.PYK8S_WORKER_HOST = "host-a"
    return provisioning.worker_host_register(
        name="host-a", max_concurrent_provisions=settings.PYK8S_MAX_CONCURRENT_PROVISIONS
    )


@pytest.fixture(autouse=True)
def no_celery(monkeypatch):
    """Record what would be queued instead of sending it: these tests run services directly."""
    queued: list[tuple] = []
    for task, name in (
        (tasks.cluster_provision, "provision"),
        (tasks.cluster_delete, "delete"),
        (tasks.clusters_reconcile_host, "reconcile_host"),
    ):
        record_sends(monkeypatch, task, lambda *args, name=name: queued.append((name, *args)))
    return queued


def waiting_cluster(**fields) -> Cluster:
    return ClusterFactory.create(status=ClusterStatus.PROVISIONING, **fields)


def provision(cluster: Cluster) -> Cluster:
    """Give the cluster a slot and run its create, as the worker would."""
    started = provisioning.cluster_dispatch_waiting()
    assert cluster.id in [c.id for c in started]
    cluster.refresh_from_db()
    provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=cluster.attempt)
    cluster.refresh_from_db()
    return cluster


def test_a_new_clusters_events_arrive_in_the_order_of_its_states(host, user, published):
    cluster = services.cluster_create(owner=user, name="ordered")
    tasks.clusters_dispatch()  # as a worker runs the placement the create queued

    positions = [
        e["cluster"]["queue_position"]
        for _, e in published
        if e["type"] == "cluster.status.changed" and e["cluster"]["id"] == str(cluster.id)
    ]
    assert positions == [0, None]  # queued, then placed (no longer waiting): never backwards


def test_the_log_endpoint_shows_what_the_worker_kept_of_kinds_output(kind, host, user):
    cluster = provision(waiting_cluster(owner=user))
    client = APIClient()
    client.force_authenticate(user)

    lines = client.get(f"/clusters/{cluster.id}/log/").json()["lines"]

    assert lines[0] == f'Creating cluster "{cluster.runtime_name}" ...'
    assert lines[-1].startswith(" • Ready after ")


def test_a_create_ends_running_with_the_kubeconfig_kind_wrote(kind, host):
    cluster = provision(waiting_cluster(workers=2))
    assert cluster.status == ClusterStatus.RUNNING
    assert cluster.provisioned_at is not None
    assert not cluster.holds_slot
    assert cluster.kubeconfig_encrypted is not None
    kubeconfig = crypto.decrypt_kubeconfig(cluster.id, cluster.kubeconfig_encrypted)
    assert (
        kubeconfig.strip()
        == kind.run("get", "kubeconfig", "--name", cluster.runtime_name).stdout.strip()
    )
    assert kind.nodes(cluster.runtime_name) == [
        f"{cluster.runtime_name}-control-plane",
        f"{cluster.runtime_name}-worker",
        f"{cluster.runtime_name}-worker2",
    ]
    assert "Starting control-plane" in cluster.provisioning_log
    # kind's closing kubectl hints name its own context and our temp file: not for users.
    assert "kind-pk-" not in cluster.provisioning_log
    assert "/tmp/" not in cluster.provisioning_log


def test_kind_gets_only_the_runtime_name_and_a_generated_config(kind, host):
    cluster = provision(waiting_cluster(kubernetes_version="1.32.5"))
    (create,) = kind.invocations("create cluster")
    argv = create["argv"]
    assert argv[argv.index("--name") + 1] == cluster.runtime_name
    assert argv[argv.index("--image") + 1] == "kindest/node:v1.32.5"
    assert "--kubeconfig" in argv
    assert "--wait" in argv
    assert cluster.name not in argv


def test_the_kind_config_has_the_requested_nodes_and_api_address(settings):
    from clusters.providers.base import ClusterSpec
    from clusters.providers.kind import KindProvider

    settings.PYK8S_API_SERVER_ADDRESS = "127.0.0.1"
    config = KindProvider.from_settings().cluster_config(ClusterSpec("pk-x", "1.33.1", workers=3))
    assert config["apiVersion"] == "kind.x-k8s.io/v1alpha4"
    assert [node["role"] for node in config["nodes"]] == ["control-plane"] + ["worker"] * 3
    assert config["networking"]["apiServerAddress"] == "127.0.0.1"
    assert 20000 <= config["networking"]["apiServerPort"] < 30000
    yaml.safe_dump(config)  # it serialises as kind expects


@pytest.mark.parametrize(
    ("effect", "code", "hint"),
    [
        ("docker-unreachable", ReasonCode.DOCKER_UNREACHABLE, "Docker engine"),
        ("disk-full", ReasonCode.OUT_OF_DISK, "disk"),
        ("inotify", ReasonCode.INOTIFY_LIMITS, "fs.inotify.max_user_watches"),
        ("kubeadm-init", ReasonCode.KUBEADM_INIT_FAILED, "kubeadm init"),
        ("image-pull", ReasonCode.IMAGE_PULL_FAILED, "node image"),
    ],
)
def test_a_failed_create_ends_in_error_with_its_reason(kind, host, effect, code, hint):
    kind.set_fault(effect, cluster="pk-*", leave_nodes=True)
    cluster = provision(waiting_cluster())
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == code
    assert hint in cluster.status_reason
    assert "Last output:" in cluster.status_reason
    assert not cluster.holds_slot
    assert cluster.kubeconfig_encrypted is None
    kind.clear_faults()
    assert kind.clusters() == []  # whatever kind left behind was deleted


def test_a_duplicate_runtime_name_is_reported(kind, host):
    cluster = waiting_cluster()
    kind.add_cluster(cluster.runtime_name)
    cluster = provision(cluster)
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == ReasonCode.NAME_EXISTS


def test_a_missing_kind_binary_is_reported(host, settings, tmp_path):
    settings.PYK8S_KIND_BINARY = str(tmp_path / "no-kind-here")
    cluster = provision(waiting_cluster())
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == ReasonCode.BINARY_MISSING
    assert "PYK8S_KIND_BINARY" in cluster.status_reason


def test_a_hanging_create_is_killed_at_the_timeout_with_its_children(kind, host, settings):
    settings.PYK8S_CREATE_TIMEOUT_SECONDS = 2
    kind.set_fault("hang", cluster="pk-*", times=1)
    cluster = provision(waiting_cluster())
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == ReasonCode.TIMEOUT
    assert kind.running() == []  # no kind process and no grandchild left
    assert kind.clusters() == []  # the half-made cluster was removed


def test_a_stale_delivery_of_a_create_is_dropped(kind, host):
    cluster = provision(waiting_cluster())
    provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=cluster.attempt)
    assert len(kind.invocations("create cluster")) == 1


def test_a_kubeconfig_refresh_restores_one_whose_key_was_lost(kind, host, settings):
    cluster = provision(waiting_cluster())
    Cluster.objects.filter(id=cluster.id).update(kubeconfig_encrypted=b"under a lost key")

    assert provisioning.cluster_refresh_kubeconfig(cluster_id=str(cluster.id))

    cluster.refresh_from_db()
    assert selectors.cluster_kubeconfig(cluster=cluster).strip() == (
        kind.run("get", "kubeconfig", "--name", cluster.runtime_name).stdout.strip()
    )
    settings.PYK8S_WORKER_HOST = "host-b"  # kind on another host knows nothing of it
    assert not provisioning.cluster_refresh_kubeconfig(cluster_id=str(cluster.id))


def test_delete_removes_the_runtime_cluster_and_the_kubeconfig(kind, host):
    cluster = provision(waiting_cluster())
    Cluster.objects.filter(id=cluster.id).update(status=ClusterStatus.DELETING)
    provisioning.cluster_delete(cluster_id=str(cluster.id))
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETED
    assert cluster.deleted_at is not None
    assert cluster.kubeconfig_encrypted is None
    assert kind.clusters() == []


def test_delete_succeeds_when_the_runtime_cluster_is_already_gone(kind, host):
    cluster = ClusterFactory.create(status=ClusterStatus.DELETING)
    provisioning.cluster_delete(cluster_id=str(cluster.id))
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETED


def test_a_failed_delete_stays_deleting_for_the_reconciler(kind, host):
    cluster = provision(waiting_cluster())
    Cluster.objects.filter(id=cluster.id).update(status=ClusterStatus.DELETING)
    kind.set_fault("fail", command="delete cluster", cluster="pk-*", times=1)
    provisioning.cluster_delete(cluster_id=str(cluster.id))
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETING
    assert "will retry" in cluster.status_reason


def test_a_cluster_deleted_while_being_created_is_removed_when_kind_finishes(kind, host):
    cluster = waiting_cluster()
    provisioning.cluster_dispatch_waiting()
    cluster.refresh_from_db()
    # The user deletes it between the slot claim and kind finishing.
    Cluster.objects.filter(id=cluster.id).update(status=ClusterStatus.DELETING)
    provisioning.cluster_provision(cluster_id=str(cluster.id), attempt=cluster.attempt)
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.DELETING  # the delete task finishes the job
    assert not cluster.holds_slot
    assert kind.clusters() == []


def test_dispatch_never_hands_out_more_slots_than_the_host_has(host):
    clusters = [waiting_cluster() for _ in range(5)]
    started = provisioning.cluster_dispatch_waiting()
    assert [c.id for c in started] == [c.id for c in clusters[: host.max_concurrent_provisions]]
    assert provisioning.cluster_dispatch_waiting() == []
    assert Cluster.objects.filter(holds_slot=True).count() == host.max_concurrent_provisions


def test_concurrent_dispatchers_share_the_slots(host):
    for _ in range(10):
        waiting_cluster()
    run_at_once(lambda _: provisioning.cluster_dispatch_waiting(), 6)
    assert Cluster.objects.filter(holds_slot=True).count() == host.max_concurrent_provisions


def test_nothing_is_dispatched_before_a_worker_registered():
    waiting_cluster()
    assert provisioning.cluster_dispatch_waiting() == []


@pytest.mark.parametrize("leaves_by", ["delete", "expiry"])
def test_the_clusters_behind_one_that_leaves_the_queue_hear_their_new_positions(
    leaves_by, user, other_user, published
):
    # No worker has registered: every cluster waits.
    first, _, _ = (
        services.cluster_create(owner=owner, name=name)
        for owner, name in ((user, "first"), (other_user, "second"), (user, "third"))
    )
    published.clear()

    if leaves_by == "delete":
        services.cluster_request_delete(cluster=first)
    else:
        Cluster.objects.filter(id=first.id).update(ttl_expires_at=timezone.now())
        provisioning.cluster_expire_due()

    heard = {
        (owner, e["cluster"]["name"]): e["cluster"]["queue_position"] for owner, e in published
    }
    assert heard == {(user.id, "first"): None, (other_user.id, "second"): 0, (user.id, "third"): 1}


def test_expiry_claims_every_expired_cluster_once(no_celery):
    past = timezone.now() - timedelta(minutes=1)
    expired = [
        ClusterFactory.create(ttl_expires_at=past, status=s)
        for s in ("RUNNING", "ERROR", "PROVISIONING")
    ]
    fresh = ClusterFactory.create()
    gone = ClusterFactory.create(ttl_expires_at=past, status=ClusterStatus.DELETED)
    claimed = provisioning.cluster_expire_due()
    assert sorted(claimed) == sorted(c.id for c in expired)
    assert provisioning.cluster_expire_due() == []
    for cluster in expired:
        cluster.refresh_from_db()
        assert cluster.status == ClusterStatus.DELETING
        assert cluster.status_reason_code == ReasonCode.EXPIRED
    fresh.refresh_from_db()
    gone.refresh_from_db()
    assert (fresh.status, gone.status) == (ClusterStatus.RUNNING, ClusterStatus.DELETED)
    assert sorted(args[1] for args in no_celery) == sorted(str(c.id) for c in expired)


def test_concurrent_expiry_runs_never_claim_a_cluster_twice(no_celery):
    past = timezone.now() - timedelta(minutes=1)
    expired = {ClusterFactory.create(ttl_expires_at=past).id for _ in range(40)}
    claims = [c for run in run_at_once(lambda _: provisioning.cluster_expire_due(), 4) for c in run]
    assert sorted(claims) == sorted(expired)  # every one claimed, none twice
    assert len(no_celery) == len(expired)


def test_expiry_warning_is_sent_once_and_again_after_an_extension(settings, published):
    settings.PYK8S_EXPIRY_WARNING_MINUTES = 10
    soon = ClusterFactory.create(ttl_expires_at=timezone.now() + timedelta(minutes=5))
    ClusterFactory.create(ttl_expires_at=timezone.now() + timedelta(minutes=30))
    assert provisioning.cluster_warn_expiring() == 1
    assert provisioning.cluster_warn_expiring() == 0
    services.cluster_extend(cluster=soon, minutes=1)
    assert provisioning.cluster_warn_expiring() == 1

    warnings = [(owner, e) for owner, e in published if e["type"] == "cluster.expiring"]
    assert [e["minutes_left"] for _, e in warnings] == [5, 6]
    owner, warning = warnings[-1]
    assert owner == soon.owner_id
    soon.refresh_from_db()
    assert warning["cluster"]["id"] == str(soon.id)
    assert warning["cluster"]["ttl_expires_at"] == soon.ttl_expires_at.isoformat().replace(
        "+00:00", "Z"
    )


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


def test_a_taken_api_port_is_retried_with_another(kind, host, settings):
    from clusters.providers.base import ClusterSpec
    from clusters.providers.kind import KindProvider

    settings.PYK8S_KIND_BINARY = str(kind.binary)
    provider = KindProvider.from_settings()
    ports = iter([24242, 24242, 25252])
    provider._free_port = lambda: next(ports)  # type: ignore[method-assign]
    kind.add_cluster("someone-elses", address="127.0.0.1", port=24242)
    provider.create(ClusterSpec("pk-retried", "1.33.1", 0), on_line=lambda line: None)
    assert [run["exit_code"] for run in kind.invocations("create cluster")] == [1, 1, 0]
    assert kind.cluster("pk-retried")["api_server"]["port"] == 25252
