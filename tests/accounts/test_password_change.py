"""A new password ends every session of the account; re-hashing the same one ends none."""

from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient

from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-new-and-long-passphrase"


def _me(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/users/me")


def _refresh(refresh):
    return APIClient().post("/auth/token/refresh", {"refresh": refresh}, format="json")


def test_a_password_set_by_staff_in_the_admin_ends_every_session(client, login, user):
    session = login(user.email).json()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content
    assert _me(session["access"]).status_code == 401
    assert _refresh(session["refresh"]).json()["code"] == "session_revoked"
    assert login(user.email, NEW_PASSWORD).status_code == 200


def test_a_password_changed_anywhere_else_ends_every_session(login, user):
    session = login(user.email).json()

    user.set_password(NEW_PASSWORD)  # what `manage.py changepassword` does
    user.save()

    assert _me(session["access"]).status_code == 401
    assert _refresh(session["refresh"]).status_code == 401


def test_saving_the_account_without_a_new_password_ends_nothing(login, user):
    session = login(user.email).json()

    user.is_staff = True
    user.save()

    assert _me(session["access"]).status_code == 200


def test_a_login_that_rehashes_the_password_ends_no_session(login, user, real_password_hashing):
    session = login(user.email).json()
    # The same password, hashed with an older algorithm: the next login hashes it again.
    older_hash = make_password(PASSWORD, hasher="pbkdf2_sha256")
    type(user).objects.filter(pk=user.pk).update(password=older_hash)

    assert login(user.email).status_code == 200

    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert _me(session["access"]).status_code == 200
