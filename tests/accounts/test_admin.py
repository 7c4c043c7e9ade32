import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def staff_browser(client, staff_user):
    client.force_login(staff_user)
    return client


def test_staff_can_list_and_search_users(staff_browser, user, other_user):
    response = staff_browser.get("/admin/accounts/user/", {"q": user.email})

    assert response.status_code == 200
    assert user.email in response.text
    assert other_user.email not in response.text


def test_staff_can_create_a_user_with_a_normalised_email(staff_browser):
    response = staff_browser.post(
        "/admin/accounts/user/add/",
        {"email": "New.Person@Example.ORG", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    created = User.objects.get(email="new.person@example.org")
    assert created.check_password(PASSWORD)
    assert not created.is_staff


def test_the_admin_refuses_an_email_taken_in_another_case(staff_browser, user):
    response = staff_browser.post(
        "/admin/accounts/user/add/",
        {"email": user.email.upper(), "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert "User with this Email already exists." in response.text
    assert User.objects.filter(email__iexact=user.email).count() == 1


def test_staff_can_disable_a_user(staff_browser, user):
    response = staff_browser.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"email": user.email},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active


def test_staff_can_log_in_to_the_admin_in_any_case(client, staff_user):
    response = client.post(
        "/admin/login/",
        {"username": staff_user.email.upper(), "password": PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_other_users_are_sent_to_the_login_page(client, user):
    client.force_login(user)

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.fixture
def user_manager(client, db):
    """Staff who may change users, but are not superusers."""
    manager = UserFactory.create(is_staff=True)
    manager.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(manager)
    return manager


def test_staff_who_are_not_superusers_cannot_grant_themselves_more(client, user_manager):
    client.post(
        f"/admin/accounts/user/{user_manager.pk}/change/",
        {"email": user_manager.email, "is_active": "on", "is_staff": "on", "is_superuser": "on"},
    )

    user_manager.refresh_from_db()
    assert not user_manager.is_superuser


def test_staff_who_are_not_superusers_cannot_take_over_a_superuser(
    client, user_manager, staff_user
):
    password_page = f"/admin/accounts/user/{staff_user.pk}/password/"
    assert client.get(password_page).status_code == 403

    client.post(password_page, {"password1": "Taken-0ver-pw", "password2": "Taken-0ver-pw"})
    client.post(f"/admin/accounts/user/{staff_user.pk}/change/", {"email": "mine@example.org"})

    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)
    assert staff_user.email != "mine@example.org"


def test_they_still_manage_ordinary_users(client, user_manager, user):
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", {"email": user.email})

    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
