"""API tokens in the admin: staff see and revoke them, never read them."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import ApiToken
from tests.conftest import token_client
from tests.factories import UserFactory, issue_api_token


@pytest.fixture
def issued(user):
    return issue_api_token(user, name="github")


@pytest.fixture
def staff_browser(client, staff_user):
    client.force_login(staff_user)
    return client


def test_staff_see_a_token_but_not_its_secret_or_hash(staff_browser, issued):
    listing = staff_browser.get("/admin/accounts/apitoken/")
    page = staff_browser.get(f"/admin/accounts/apitoken/{issued.token.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert "github" in listing.text
    assert issued.token.prefix in listing.text
    for shown in (listing.text, page.text):
        assert issued.secret[len("pk8s_") + 9 :] not in shown
        assert issued.token.hashed_key.split("$$")[1] not in shown
    assert staff_browser.get("/admin/accounts/apitoken/add/").status_code == 403


def test_the_revoke_action_stops_the_token(staff_browser, issued):
    response = staff_browser.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [issued.token.pk]},
    )

    assert response.status_code == 302
    assert token_client(issued.secret).get("/clusters/").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None  # kept, for the record


def test_staff_without_the_delete_permission_cannot_revoke(client, issued):
    viewer = UserFactory.create(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    client.force_login(viewer)

    client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]}
    )

    assert token_client(issued.secret).get("/clusters/").status_code == 200


def test_deactivating_an_account_revokes_its_tokens(staff_browser, user, issued):
    response = staff_browser.post(f"/admin/accounts/user/{user.pk}/change/", {"email": user.email})
    user.is_active = True  # reactivated: its tokens stay dead
    user.save()

    assert response.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    assert token_client(issued.secret).get("/clusters/").status_code == 401
