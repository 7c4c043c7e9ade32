import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

ACCOUNT_OPERATIONS = {
    ("/users/register/", "post"): {"201", "400", "403", "429"},
    ("/auth/registration/", "get"): {"200"},
    ("/auth/token/", "post"): {"200", "400", "401", "429"},
    ("/auth/token/refresh/", "post"): {"200", "400", "401"},
    ("/auth/logout/", "post"): {"204", "400", "401"},
    ("/users/me/", "get"): {"200", "401"},
    ("/health/live/", "get"): {"200"},
    ("/health/ready/", "get"): {"200", "503"},
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema

    assert schema["openapi"].startswith("3.")


@pytest.mark.parametrize(("path", "method"), list(ACCOUNT_OPERATIONS))
def test_account_operations_document_their_responses(schema, path, method):
    operation = schema["paths"][path][method]

    assert set(operation["responses"]) == ACCOUNT_OPERATIONS[(path, method)]
    assert operation["summary"]


def test_login_documents_retry_after(schema):
    too_many = schema["paths"]["/auth/token/"]["post"]["responses"]["429"]

    assert "Retry-After" in too_many["headers"]


def test_public_operations_need_no_token_and_the_others_do(schema):
    security = {path: ops[next(iter(ops))].get("security") for path, ops in schema["paths"].items()}

    assert security["/auth/token/"] == [{}]
    assert security["/users/register/"] == [{}]
    assert security["/auth/registration/"] == [{}]
    assert security["/users/me/"] == [{"apiToken": []}, {"jwtAuth": []}]
    assert security["/clusters/"] == [{"apiToken": []}, {"jwtAuth": []}]
    assert security["/tokens/"] == [{"jwtAuth": []}]  # managing tokens takes a login
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema"])
def test_it_is_served(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "/auth/token/" in yaml.safe_load(response.content)["paths"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/docs", "/docs/"])
def test_swagger_ui_is_served(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "swagger-ui" in response.text
