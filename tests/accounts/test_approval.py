"""PYK8S_REGISTRATION=approval: a new account logs in, but creates (or claims) no cluster until
staff with the approve permission approve it in the admin."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def pending(db):
    return UserFactory(approved_at=None)


def test_a_pending_account_can_log_in_and_sees_it_awaits_approval(pending):
    response = client_for(pending).get("/users/me")

    assert response.status_code == 200
    assert response.json()["approved"] is False


def test_a_pending_account_cannot_create_a_cluster(pending, queued_tasks):
    response = client_for(pending).post("/clusters/", {"name": "demo"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your account awaits approval by staff: you can create clusters once they "
        "approve it.",
        "code": "approval_pending",
    }
    assert not pending.clusters.exists()
    assert queued_tasks == []


def test_staff_find_pending_accounts_with_a_filter(client, staff_user, pending, user):
    client.force_login(staff_user)

    response = client.get(USERS, {"approval": "pending"})

    assert pending.email in response.text
    assert user.email not in response.text


def test_staff_approval_lets_the_account_create_clusters(client, staff_user, pending, queued_tasks):
    client.force_login(staff_user)

    response = client.post(USERS, {"action": "approve", "_selected_action": [pending.pk]})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.approved_at is not None
    created = client_for(pending).post("/clusters/", {"name": "demo"}, format="json")
    assert created.status_code == 202, created.content


def test_staff_who_may_change_users_but_not_approve_them_cannot(client, pending):
    editor = UserFactory.create(is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(editor)

    offered = client.get(USERS).context["action_form"]
    client.post(USERS, {"action": "approve", "_selected_action": [pending.pk]})

    assert offered is None or "approve" not in dict(offered.fields["action"].choices)
    assert User.objects.get(pk=pending.pk).approved_at is None


def test_staff_with_the_approve_permission_can(client, pending):
    approver = UserFactory.create(is_staff=True)
    approver.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "approve_user"])
    )
    client.force_login(approver)

    client.post(USERS, {"action": "approve", "_selected_action": [pending.pk]})

    assert User.objects.get(pk=pending.pk).approved_at is not None
