import pytest

from tests.factories import PASSWORD


@pytest.fixture
def login(api_client):
    """POST /auth/token; `password` defaults to the factories' one, `ip` to the client's."""

    def post(email, password=PASSWORD, ip="127.0.0.1"):
        return api_client.post(
            "/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip
        )

    return post


@pytest.fixture
def tokens(login, user):
    """A fresh access and refresh token pair for `user`."""
    response = login(user.email)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def real_password_hashing(settings):
    """The project's configured hashers instead of the fast test-only one."""
    from pyk8s import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    return project_settings.PASSWORD_HASHERS
