import pytest

from accounts.models import User
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def register(api_client):
    def post(body, path="/users/register"):
        return api_client.post(path, body, format="json")

    return post


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/users/register", "/users/register/"])
def test_it_creates_an_account_with_or_without_trailing_slash(register, path):
    response = register({"email": "ann@example.org", "password": PASSWORD}, path=path)

    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {"id": user.id, "email": "ann@example.org", "approved": True}
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_it_stores_the_email_in_lower_case(register):
    response = register({"email": "  Ann@Example.ORG ", "password": PASSWORD})

    assert response.status_code == 201
    assert response.json()["email"] == "ann@example.org"


@pytest.mark.django_db
def test_it_refuses_an_email_taken_in_any_case(register):
    UserFactory(email="ann@example.org")

    response = register({"email": "ANN@example.org", "password": PASSWORD})

    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email already exists."]}
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("k8s!Ab", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("kubernetes-ann", "The password is too similar to the email."),
        ("8675309247", "This password is entirely numeric."),
    ],
)
def test_it_refuses_a_weak_password(register, password, message):
    response = register({"email": "kubernetes-ann@example.org", "password": password})

    assert response.status_code == 400
    assert message in response.json()["password"][0]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "ann@example.org"}, "password"),
        ({"email": "ann@example.org", "password": "x" * 129}, "password"),
    ],
)
def test_it_names_the_field_to_fix(register, body, field):
    response = register(body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert isinstance(response.json()[field][0], str)


@pytest.mark.django_db
def test_it_ignores_a_token_sent_along(owner_client):
    response = owner_client.post(
        "/users/register", {"email": "second@example.org", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 201
