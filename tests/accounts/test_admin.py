import pytest

from accounts.models import User
from tests.factories import PASSWORD


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
