from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from clusters import tasks
from clusters.models import Cluster, ClusterStatus
from tests.clusters.hosts import register_host
from tests.factories import ClusterFactory, UserFactory

CHANGELIST = "/admin/clusters/cluster/"
KUBECONFIG = "apiVersion: v1\nusers:\n- user:\n    token: TOP-SECRET-TOKEN\n"


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def run_action(admin_client, action, *clusters):
    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(c.id) for c in clusters]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_changelist_renders_for_staff(admin_client):
    clusters = ClusterFactory.create_batch(3, kubeconfig=KUBECONFIG)

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    for cluster in clusters:
        assert cluster.name in response.content.decode()
    assert b"TOP-SECRET" not in response.content


@pytest.mark.parametrize(
    "query",
    [
        lambda c: {"status__exact": "ERROR"},
        lambda c: {"owner__id__exact": c.owner_id},
        lambda c: {"q": c.name},
        lambda c: {"q": c.owner.email},
        lambda c: {"q": c.runtime_name},
        lambda c: {"q": str(c.id)},
    ],
)
def test_the_changelist_filters_and_searches(admin_client, query):
    wanted = ClusterFactory.create(name="wanted", status=ClusterStatus.ERROR)
    ClusterFactory.create(name="other")

    response = admin_client.get(CHANGELIST, query(wanted))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_the_detail_page_renders_without_secrets(admin_client):
    cluster = ClusterFactory.create(kubeconfig=KUBECONFIG)

    response = admin_client.get(f"{CHANGELIST}{cluster.id}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert cluster.runtime_name in page
    assert "encrypted, stored" in page
    assert "TOP-SECRET" not in page
    assert cluster.kubeconfig_encrypted is not None
    assert bytes(cluster.kubeconfig_encrypted).decode() not in page


def test_the_detail_page_changes_nothing(admin_client):
    cluster = ClusterFactory.create(kubeconfig=KUBECONFIG)

    admin_client.post(f"{CHANGELIST}{cluster.id}/change/", {"name": "renamed", "status": "DELETED"})

    refreshed = Cluster.objects.get(id=cluster.id)
    assert (refreshed.name, refreshed.status) == (cluster.name, ClusterStatus.RUNNING)


def test_clusters_cannot_be_added_or_deleted_as_rows(admin_client):
    cluster = ClusterFactory.create()

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert (
        admin_client.post(f"{CHANGELIST}{cluster.id}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Cluster.objects.filter(id=cluster.id).exists()


def test_non_staff_users_are_sent_to_the_login_page(client, user):
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_extend_one_hour_goes_through_the_service(admin_client):
    cluster = ClusterFactory.create()

    messages = run_action(admin_client, "extend_one_hour", cluster)

    assert messages == ["1 cluster(s) updated."]
    expected = cluster.ttl_expires_at + timedelta(hours=1)
    assert Cluster.objects.get(id=cluster.id).ttl_expires_at == expected


def test_extend_one_hour_reports_clusters_it_cannot_extend(admin_client, settings):
    settings.PYK8S_TTL_MAX_MINUTES = 90
    fresh, near_the_limit = ClusterFactory.create_batch(2)
    Cluster.objects.filter(id=fresh.id).update(ttl_expires_at=fresh.created_at)
    deleting = ClusterFactory.create(status=ClusterStatus.DELETING)

    messages = run_action(admin_client, "extend_one_hour", fresh, near_the_limit, deleting)

    assert sorted(messages) == sorted(
        [
            f"{near_the_limit.name}: A cluster may live at most 90 minutes; "
            "this one can be extended by 30 more minutes at most.",
            f"{deleting.name}: Only a PROVISIONING or RUNNING cluster can be extended; "
            "this one is DELETING.",
            "1 cluster(s) updated.",
        ]
    )
    for cluster in (near_the_limit, deleting):
        assert Cluster.objects.get(id=cluster.id).ttl_expires_at == cluster.ttl_expires_at


def test_delete_now_goes_through_the_service(
    admin_client, queued_tasks, django_capture_on_commit_callbacks
):
    running, failed = ClusterFactory.create(), ClusterFactory.create(status=ClusterStatus.ERROR)
    other = ClusterFactory.create(owner=UserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        messages = run_action(admin_client, "delete_now", running, failed)

    assert messages == ["2 cluster(s) updated."]
    assert Cluster.objects.get(id=running.id).status == ClusterStatus.DELETING
    assert Cluster.objects.get(id=failed.id).status == ClusterStatus.DELETING
    assert Cluster.objects.get(id=other.id).status == ClusterStatus.RUNNING
    assert sorted(queued_tasks) == sorted(
        [("cluster_delete", str(running.id)), ("cluster_delete", str(failed.id))]
    )


def test_refresh_kubeconfig_asks_the_host_of_each_running_cluster(
    admin_client, monkeypatch, django_capture_on_commit_callbacks
):
    running = ClusterFactory.create(host=register_host("docker-7"))
    deleting = ClusterFactory.create(host=register_host("docker-8"), status=ClusterStatus.DELETING)
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        tasks.cluster_refresh_kubeconfig,
        "apply_async",
        lambda args, queue: sent.append((args[0], queue)),
    )

    with django_capture_on_commit_callbacks(execute=True):
        messages = run_action(admin_client, "refresh_kubeconfig", running, deleting)

    assert messages == ["Kubeconfig refresh queued for 1 RUNNING cluster(s) on their hosts."]
    assert sent == [(str(running.id), "host.docker-7")]


def test_the_changelist_sums_up_the_warm_pool_and_its_last_day(admin_client, settings):
    settings.PYK8S_WARM_POOL = {("1.33.1", 0): 2}
    now = timezone.now()

    def pool_cluster(made_secs_ago: float, ready_secs_ago: float | None, **fields) -> None:
        ClusterFactory.create(
            kubernetes_version="1.33.1",
            pooled_at=now - timedelta(seconds=made_secs_ago),
            provisioned_at=ready_secs_ago and now - timedelta(seconds=ready_secs_ago),
            **{"owner": None, **fields},
        )

    pool_cluster(60, 40)  # ready after 20 s
    pool_cluster(5, None, status=ClusterStatus.PROVISIONING)
    pool_cluster(100, 70, owner=UserFactory(), claimed_at=now - timedelta(seconds=10))  # 30 s
    day_old = now - timedelta(days=2)
    pool_cluster(2 * 86400, 2 * 86400 - 20, owner=UserFactory(), claimed_at=day_old)
    ClusterFactory.create(kubernetes_version="1.33.1")  # found none ready: a miss

    response = admin_client.get(CHANGELIST)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Warm pool: 1.33.1 with 0 workers 1/2 ready (1 being made), last 24 h: 1 claims, "
        "1 misses, refill 25 s on average"
    ]
