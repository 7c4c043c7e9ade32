"""PYK8S_REGISTRATION=invite: staff make single-use, expiring invite links in the admin, shown
once; registering takes the link's token, and nothing else."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts import registration
from accounts.models import Invite, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def invite_mode(settings):
    settings.PYK8S_REGISTRATION = "invite"


def register(api_client, email="ann@example.org", **extra):
    return api_client.post(
        "/users/register", {"email": email, "password": PASSWORD, **extra}, format="json"
    )


def admin_creates_invite(client) -> str:
    response = client.post("/admin/accounts/invite/add/", {"note": "for Ann"})
    assert response.status_code == 200, response.content
    match = re.search(r'value="(http://testserver/register/#invite=([^"]+))"', response.text)
    assert match, response.text
    return match[2]


def test_staff_get_a_link_once_and_only_its_hash_is_stored(client, staff_user):
    client.force_login(staff_user)

    token = admin_creates_invite(client)

    invite = Invite.objects.get()
    assert (invite.note, invite.created_by, invite.used_at) == ("for Ann", staff_user, None)
    assert token not in invite.token_hash
    assert token not in client.get(f"/admin/accounts/invite/{invite.pk}/change/").text
    assert token not in client.get("/admin/accounts/invite/").text


def test_staff_without_the_add_permission_cannot_make_invites(client):
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_invite"))
    client.force_login(viewer)

    response = client.post("/admin/accounts/invite/add/", {"note": "x"})

    assert response.status_code == 403
    assert not Invite.objects.exists()


def test_an_invite_link_registers_one_approved_account(client, api_client, staff_user):
    client.force_login(staff_user)
    token = admin_creates_invite(client)

    response = register(api_client, invite=token)

    assert response.status_code == 201, response.content
    assert response.json()["approved"] is True
    invite = Invite.objects.get()
    assert invite.used_by == User.objects.get(email="ann@example.org")


def test_an_invite_works_only_once(api_client):
    token = registration.invite_create(created_by=None).token
    assert register(api_client, invite=token).status_code == 201

    response = register(api_client, email="bob@example.org", invite=token)

    assert response.status_code == 403
    assert response.json()["code"] == "invite_invalid"
    assert not User.objects.filter(email="bob@example.org").exists()


def test_an_expired_invite_is_refused(api_client):
    issued = registration.invite_create(created_by=None)
    Invite.objects.filter(pk=issued.invite.pk).update(expires_at=timezone.now() - timedelta(1))

    response = register(api_client, invite=issued.token)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "This invite is not valid: it is mistyped, expired or used already. Ask "
        "staff for a new invite link.",
        "code": "invite_invalid",
    }
    assert not User.objects.exists()


def test_registering_without_an_invite_says_one_is_needed(api_client):
    response = register(api_client)

    assert response.status_code == 403
    assert response.json()["code"] == "invite_required"
    assert "invite link" in response.json()["detail"]


def test_a_refused_password_does_not_use_the_invite_up(api_client):
    token = registration.invite_create(created_by=None).token

    response = api_client.post(
        "/users/register",
        {"email": "ann@example.org", "password": "password", "invite": token},
        format="json",
    )

    assert response.status_code == 400
    assert Invite.objects.get().used_at is None


def test_an_invite_expires_after_pyk8s_invite_days(settings):
    settings.PYK8S_INVITE_DAYS = 2

    invite = registration.invite_create(created_by=None).invite

    assert timedelta(days=2) - (invite.expires_at - timezone.now()) < timedelta(minutes=1)
