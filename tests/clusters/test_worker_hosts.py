"""Two Docker hosts behind one service: two real Celery workers with different host names,
each with its own fake kind (its own simulated Docker engine), real Redis and PostgreSQL.
This process serves the API and plays beat (it runs the expiry and the reconciler)."""

import signal

import pytest

from clusters import provisioning
from clusters.models import Cluster, ClusterStatus, ReasonCode, WorkerHost
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.fakes.fixtures import make_fake_kind
from tests.stack import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

HEARTBEAT_SECONDS = 0.3
DEAD_SECONDS = 3
MAX_WAIT_SECONDS = 6


@pytest.fixture
def hosts(stack, fake_kind, tmp_path, settings):
    """Starts the worker of a host: `hosts.start("host-a", kind, PYK8S_...=...)`."""
    # Every process dispatches, so they all agree on liveness and on the queue's patience.
    common = {
        "PYK8S_HOST_HEARTBEAT_SECONDS": HEARTBEAT_SECONDS,
        "PYK8S_HOST_DEAD_SECONDS": DEAD_SECONDS,
        "PYK8S_QUEUE_MAX_WAIT_SECONDS": MAX_WAIT_SECONDS,
    }
    settings.PYK8S_HOST_DEAD_SECONDS = DEAD_SECONDS
    settings.PYK8S_QUEUE_MAX_WAIT_SECONDS = MAX_WAIT_SECONDS
    engines = {"host-a": fake_kind, "host-b": make_fake_kind(tmp_path / "kind-b")}

    class Hosts:
        kind = engines

        @staticmethod
        def start(name: str, **env: object):
            # The process name must stay unique: the same host may be started twice.
            return stack.start_worker(
                f"{name}-{len(stack.processes)}",
                PYK8S_WORKER_HOST=name,
                **engines[name].worker_env,
                **common,
                **env,
            )

    yield Hosts
    engines["host-b"].close()


def create(client, name: str) -> Cluster:
    response = client.post("/clusters/", {"name": name}, format="json")
    assert response.status_code == 202, response.content
    return Cluster.objects.get(id=response.json()["id"])


def settled(cluster: Cluster, *statuses: str, timeout: float = 30) -> Cluster:
    def reached():
        cluster.refresh_from_db()
        return cluster.status in statuses

    wait_until(reached, timeout=timeout, what=f"{cluster.name} to reach {statuses}")
    return cluster


def host_of(cluster: Cluster) -> str:
    assert cluster.host is not None, f"{cluster.name} was never placed"
    return cluster.host.name


def deleted_names(kind) -> set[str]:
    return {run["cluster"] for run in kind.invocations("delete cluster")}


def test_creates_spread_over_hosts_and_every_operation_runs_on_the_cluster_host(hosts, settings):
    hosts.start("host-a", PYK8S_MAX_CONCURRENT_PROVISIONS=1, PYK8S_HOST_MAX_CLUSTERS=1)
    hosts.start("host-b", PYK8S_MAX_CONCURRENT_PROVISIONS=2, PYK8S_HOST_MAX_CLUSTERS=2)
    kind_a, kind_b = hosts.kind["host-a"], hosts.kind["host-b"]
    alice, bob = client_for(UserFactory.create()), client_for(UserFactory.create())

    first = [settled(create(alice, f"c{i}"), ClusterStatus.RUNNING) for i in range(3)]
    on = {c.runtime_name: host_of(c) for c in first}
    assert sorted(on.values()) == ["host-a", "host-b", "host-b"]  # by load and capacity
    assert kind_a.clusters() == [name for name, host in on.items() if host == "host-a"]
    assert sorted(kind_b.clusters()) == sorted(n for n, h in on.items() if h == "host-b")

    # Both hosts full: the next create waits with its position.
    queued = create(bob, "queued")
    assert bob.get(f"/clusters/{queued.id}/").json()["queue_position"] == 0

    # Room frees up on host-b, but it is drained: the queue does not move there.
    on_b = next(c for c in first if host_of(c) == "host-b")
    WorkerHost.objects.filter(name="host-b").update(draining=True)
    assert alice.delete(f"/clusters/{on_b.id}/").status_code == 202
    settled(on_b, ClusterStatus.DELETED)
    queued.refresh_from_db()
    assert queued.host is None

    # Still no room anywhere it may go: refused with a clear message.
    def refused():
        provisioning.cluster_dispatch_waiting()
        queued.refresh_from_db()
        return queued.status == ClusterStatus.ERROR

    wait_until(refused, timeout=MAX_WAIT_SECONDS + 10, interval=0.5, what="the refusal")
    assert queued.status_reason_code == ReasonCode.NO_CAPACITY
    assert queued.status_reason.startswith("No capacity: all hosts stayed full")

    # Expiry of the cluster on host-a runs on host-a.
    on_a = next(c for c in first if host_of(c) == "host-a")
    Cluster.objects.filter(id=on_a.id).update(ttl_expires_at=on_a.created_at)
    settings.PYK8S_KIND_BINARY = "/nonexistent/kind"  # nothing may run kind in this process
    assert provisioning.cluster_expire_due() == [on_a.id]
    settled(on_a, ClusterStatus.DELETED)

    assert deleted_names(kind_a) == {on_a.runtime_name}
    assert deleted_names(kind_b) == {on_b.runtime_name}
    assert kind_a.clusters() == []
    assert sorted(kind_b.clusters()) == sorted(
        c.runtime_name for c in first if host_of(c) == "host-b" and c.id != on_b.id
    )


def test_a_silent_host_shows_its_clusters_unreachable_and_reconciles_them_on_return(
    hosts, settings
):
    worker_a = hosts.start("host-a", PYK8S_HOST_MAX_CLUSTERS=3)
    hosts.start("host-b", PYK8S_HOST_MAX_CLUSTERS=2)
    kind_a, kind_b = hosts.kind["host-a"], hosts.kind["host-b"]
    client = client_for(UserFactory.create())
    clusters = [settled(create(client, f"c{i}"), ClusterStatus.RUNNING) for i in range(3)]
    stays, expires = [c for c in clusters if host_of(c) == "host-a"]  # a: 2/3 beats b: 2/2

    worker_a.kill(signal.SIGKILL)
    worker_a.popen.wait(timeout=10)

    def unreachable():
        provisioning.clusters_reconcile()  # what beat runs every few minutes
        return Cluster.objects.filter(status_reason_code=ReasonCode.HOST_UNREACHABLE).count()

    wait_until(unreachable, timeout=DEAD_SECONDS + 10, interval=0.5, what="host-a to go silent")
    for cluster in (stays, expires):
        cluster.refresh_from_db()
        assert (cluster.status, cluster.status_reason_code) == ("ERROR", "host_unreachable")
        assert cluster.kubeconfig_encrypted is not None
    on_b = next(c for c in clusters if host_of(c) == "host-b")
    on_b.refresh_from_db()
    assert on_b.status == ClusterStatus.RUNNING  # host-b's heartbeat kept it live

    # New creates avoid the silent host; host-b had room for one more.
    newcomer = settled(create(client_for(UserFactory.create()), "newcomer"), "RUNNING")
    assert host_of(newcomer) == "host-b"

    # One of host-a's clusters expires meanwhile: its delete waits for host-a.
    Cluster.objects.filter(id=expires.id).update(ttl_expires_at=expires.created_at)
    settings.PYK8S_KIND_BINARY = "/nonexistent/kind"
    provisioning.cluster_expire_due()
    expires.refresh_from_db()
    assert expires.status == ClusterStatus.DELETING

    hosts.start("host-a", PYK8S_HOST_MAX_CLUSTERS=3)  # reconciles its host as it starts

    settled(stays, ClusterStatus.RUNNING)
    assert stays.status_reason_code == ""
    settled(expires, ClusterStatus.DELETED)
    assert kind_a.clusters() == [stays.runtime_name]
    assert sorted(kind_b.clusters()) == sorted([on_b.runtime_name, newcomer.runtime_name])
    assert deleted_names(kind_b) == set()
