"""Admin actions need the permission their change needs: viewing is not changing, and only
superusers take Docker hosts in or out of service."""

import pytest
from django.contrib.auth.models import Permission

from clusters.models import Cluster, WorkerHost
from tests.clusters.hosts import register_host
from tests.factories import ClusterFactory, UserFactory

CLUSTERS = "/admin/clusters/cluster/"
HOSTS = "/admin/clusters/workerhost/"


def staff_with(*codenames: str):
    user = UserFactory.create(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def offered_actions(client, changelist) -> set[str]:
    response = client.get(changelist)
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered
    return {name for name, _ in form.fields["action"].choices if name} if form else set()


@pytest.fixture
def viewer(client, db):
    client.force_login(staff_with("view_cluster", "view_workerhost"))
    return client


@pytest.fixture
def editor(client, db):
    client.force_login(
        staff_with("view_cluster", "change_cluster", "view_workerhost", "change_workerhost")
    )
    return client


def test_view_only_staff_are_offered_no_action(viewer):
    ClusterFactory.create()
    register_host("docker-1")

    assert offered_actions(viewer, CLUSTERS) == set()
    assert offered_actions(viewer, HOSTS) == set()


@pytest.mark.parametrize("action", ["extend_one_hour", "delete_now", "refresh_kubeconfig"])
def test_view_only_staff_cannot_run_a_cluster_action(viewer, action):
    cluster = ClusterFactory.create()

    response = viewer.post(
        CLUSTERS, {"action": action, "_selected_action": [str(cluster.id)]}, follow=True
    )

    assert response.status_code == 200  # the admin's "no action selected"
    unchanged = Cluster.objects.get(pk=cluster.pk)
    assert (unchanged.status, unchanged.ttl_expires_at) == (cluster.status, cluster.ttl_expires_at)


def test_staff_who_may_change_clusters_get_the_cluster_actions(editor):
    ClusterFactory.create()

    assert offered_actions(editor, CLUSTERS) == {
        "extend_one_hour",
        "delete_now",
        "refresh_kubeconfig",
    }


@pytest.mark.parametrize("action", ["drain", "undrain", "retire"])
def test_only_superusers_drain_undrain_or_retire_hosts(editor, action, settings):
    settings.PYK8S_HOST_DEAD_SECONDS = 120
    host = register_host("docker-gone", silent_for=121)
    assert offered_actions(editor, HOSTS) == set()

    editor.post(HOSTS, {"action": action, "_selected_action": [str(host.id)]}, follow=True)

    assert WorkerHost.objects.filter(pk=host.pk, draining=False).exists()


def test_superusers_get_the_host_actions(client, staff_user):
    register_host("docker-1")
    client.force_login(staff_user)

    assert offered_actions(client, HOSTS) == {"drain", "undrain", "retire"}
