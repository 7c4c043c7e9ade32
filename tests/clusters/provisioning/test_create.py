"""The create: kind run for a placed cluster, and how each of its failures ends."""

import pytest
import yaml
from rest_framework.test import APIClient

from clusters import crypto, provisioning, services, tasks
from clusters.models import Cluster, ClusterStatus, ReasonCode
from tests.clusters.provisioning.steps import provision, waiting_cluster

pytestmark = pytest.mark.django_db(transaction=True)


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
    assert kind.networks() == []  # its network too


def test_a_host_out_of_network_ranges_is_reported_to_the_operator():
    from clusters.providers.kind import KindProvider
    from clusters.providers.runner import CommandResult

    # What kind prints when dockerd's default-address-pools are used up.
    output = [
        'ERROR: failed to create cluster: failed to ensure docker network: command "docker '
        "network create -d=bridge -o com.docker.network.bridge.enable_ip_masquerade=true "
        'pk-0123" failed with error: exit status 1',
        "Command Output: Error response from daemon: could not find an available, "
        "non-overlapping IPv4 address pool among the defaults to assign to the network",
    ]
    error = KindProvider.from_settings()._diagnose(CommandResult(1, output))
    assert "default-address-pools" in error.message


def test_a_duplicate_runtime_name_is_reported(kind, host):
    cluster = waiting_cluster()
    kind.add_cluster(cluster.runtime_name)
    cluster = provision(cluster)
    assert cluster.status == ClusterStatus.ERROR
    assert cluster.status_reason_code == ReasonCode.NAME_EXISTS
    assert kind.clusters() == [cluster.runtime_name]  # the one that was there is left alone


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
