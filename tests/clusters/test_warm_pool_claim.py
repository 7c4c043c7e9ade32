"""POST /clusters/ hands out a ready warm-pool cluster: RUNNING at once, with a kubeconfig
that works, its TTL counted from the claim; the pool stays invisible to users."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clusters import provisioning, services, tasks
from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus, WorkerHost
from tests.clusters.warm_pool import SPEC, fill_pool
from tests.conftest import client_for, record_sends
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fake_kind")]


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Tasks recorded instead of sent: the refill each claim asks for, and creates."""
    sent: list[tuple] = []
    record_sends(
        monkeypatch, tasks.cluster_provision, lambda *args: sent.append(("provision", *args))
    )
    record_sends(monkeypatch, tasks.warm_pool_refill, lambda: sent.append(("warm_pool_refill",)))
    return sent


def test_a_claim_answers_running_with_a_working_kubeconfig(fake_kind, settings, user, queued):
    (pooled,) = fill_pool(settings, 1)
    creates_before = len(fake_kind.invocations("create cluster"))
    client = client_for(user)

    response = client.post("/clusters/", {"name": "instant", "ttl_minutes": 30}, format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["id"], body["name"], body["status"]) == (str(pooled.id), "instant", "RUNNING")
    kubeconfig = client.get(f"/clusters/{pooled.id}/kubeconfig/")
    assert kubeconfig.status_code == 200
    written = fake_kind.run("get", "kubeconfig", "--name", pooled.runtime_name).stdout
    assert kubeconfig.content.decode().strip() == written.strip()
    assert len(fake_kind.invocations("create cluster")) == creates_before  # nothing waited on kind
    claimed = Cluster.objects.get(id=pooled.id)
    assert claimed.owner == user
    assert claimed.claimed_at is not None
    assert abs(claimed.ttl_expires_at - (timezone.now() + timedelta(minutes=30))) < timedelta(
        seconds=10
    )
    assert ("warm_pool_refill",) in queued


def test_an_account_awaiting_approval_claims_nothing(settings, queued):
    (pooled,) = fill_pool(settings, 1)
    pending = UserFactory.create(approved_at=None)

    response = client_for(pending).post("/clusters/", {"name": "instant"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "approval_pending"
    pooled.refresh_from_db()
    assert (pooled.owner, pooled.claimed_at) == (None, None)


def test_the_claim_is_announced_to_its_new_owner_only(settings, user, other_user, published):
    fill_pool(settings, 1)
    published.clear()  # the pool's own making announced nothing to anyone (checked below)

    response = client_for(user).post("/clusters/", {"name": "instant"}, format="json")

    assert [(uid, e["type"], e["cluster"]["status"]) for uid, e in published] == [
        (user.id, "cluster.status.changed", "RUNNING")
    ]
    assert published[0][1]["cluster"]["id"] == response.json()["id"]


def test_making_the_pool_sends_no_event(settings, published):
    fill_pool(settings, 2)
    assert Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING).count() == 2
    assert published == []


def test_pool_clusters_are_in_nobodys_list(settings, user):
    pooled = fill_pool(settings, 2)
    client = client_for(user)

    assert client.get("/clusters/").json()["results"] == []
    for status in ClusterStatus.values:
        assert client.get(f"/clusters/?status={status}").json()["results"] == []
    assert client.get(f"/clusters/{pooled[0].id}/").status_code == 404
    assert client.get(f"/clusters/{pooled[0].id}/kubeconfig/").status_code == 404


def test_another_spec_is_provisioned_and_counted_as_a_miss(settings, user, queued):
    fill_pool(settings, 1)
    settings.PYK8S_WARM_POOL = {SPEC: 1, ("1.32.5", 1): 1}

    response = client_for(user).post(
        "/clusters/", {"name": "own", "kubernetes_version": "1.32.5", "workers": 1}, format="json"
    )

    assert response.json()["status"] == "PROVISIONING"
    assert Cluster.objects.filter(IN_WARM_POOL, status=ClusterStatus.RUNNING).count() == 1
    metrics = client_for(user).get("/metrics")
    assert (
        'pyk8s_warm_pool_misses_total{kubernetes_version="1.32.5",workers="1"} 1.0'
        in metrics.content.decode()
    )


def test_an_empty_pool_falls_back_to_provisioning(settings, user):
    fill_pool(settings, 1)
    client = client_for(user)
    first = client.post("/clusters/", {"name": "first"}, format="json").json()
    second = client.post("/clusters/", {"name": "second"}, format="json").json()
    assert (first["status"], second["status"]) == ("RUNNING", "PROVISIONING")


def test_a_claim_in_progress_hides_no_other_pool_cluster(settings, user, other_user):
    fill_pool(settings, 2)
    first_claimed, first_may_commit = threading.Event(), threading.Event()
    first: list[Cluster] = []

    def claim_and_hold():
        try:
            with transaction.atomic():  # its pool cluster stays locked until this commits
                first.append(services.cluster_create(owner=user, name="first"))
                first_claimed.set()
                first_may_commit.wait(timeout=5)
        finally:
            connection.close()

    holder = threading.Thread(target=claim_and_hold)
    holder.start()
    assert first_claimed.wait(timeout=10)
    second = services.cluster_create(owner=other_user, name="second")
    first_may_commit.set()
    holder.join()

    assert (first[0].status, second.status) == (ClusterStatus.RUNNING, ClusterStatus.RUNNING)


def test_no_pool_cluster_is_handed_out_from_a_silent_host(settings, user):
    fill_pool(settings, 1)
    silent_since = timezone.now() - timedelta(seconds=settings.PYK8S_HOST_DEAD_SECONDS + 1)
    WorkerHost.objects.filter(name="host-a").update(last_seen_at=silent_since)
    response = client_for(user).post("/clusters/", {"name": "mine"}, format="json")
    assert response.json()["status"] == "PROVISIONING"  # queued for a live host instead


def test_a_claimed_cluster_never_returns_to_the_pool(settings, user, queued):
    (pooled,) = fill_pool(settings, 1)
    client = client_for(user)
    client.post("/clusters/", {"name": "mine"}, format="json")
    assert client.delete(f"/clusters/{pooled.id}/").status_code == 202

    made = provisioning.warm_pool_refill()

    assert len(made) == 1  # a fresh cluster takes its place
    pooled.refresh_from_db()
    assert (pooled.owner, pooled.status) == (user, ClusterStatus.DELETING)
