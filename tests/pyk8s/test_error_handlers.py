"""Every API error is {field: [message]} or {detail, code}, never HTML or a traceback."""

import pytest


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(api_client):
    response = api_client.post("/auth/token", data='{"email": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.django_db
def test_a_form_body_is_a_415(api_client):
    response = api_client.post("/auth/token", {"email": "a@b.org", "password": "x"})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_a_json_list_instead_of_an_object_is_a_400(api_client):
    response = api_client.post("/auth/token", [1, 2], format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid data. Expected a dictionary, but got list.",
        "code": "invalid",
    }


@pytest.mark.django_db
def test_a_wrong_method_is_a_405(api_client):
    response = api_client.get("/auth/token")

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/auth/no-such-thing", "/users/me/extra"])
def test_an_unknown_path_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.django_db
def test_a_token_error_is_flattened(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer a.b.c")

    response = api_client.get("/users/me")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Given token not valid for any token type",
        "code": "token_not_valid",
    }


def errors_counted(client, cause: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f'pyk8s_http_errors_total{{cause="{cause}"}}'):
            return float(line.split()[-1])
    return 0.0


@pytest.mark.urls("tests.pyk8s.failing_urls")
@pytest.mark.django_db
def test_a_bug_in_our_own_sql_is_a_logged_500_not_a_503(owner_client, log):
    owner_client.raise_request_exception = False
    bugs_before = errors_counted(owner_client, "bug")

    response = owner_client.get("/failing/broken-query")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    error = next(line for line in log.lines() if line["level"] == "ERROR")
    assert 'psycopg.errors.SyntaxError: syntax error at or near "SELEC"' in error["exc_info"]
    assert errors_counted(owner_client, "bug") == bugs_before + 1


@pytest.mark.urls("tests.pyk8s.failing_urls")
@pytest.mark.django_db
def test_a_statement_timeout_is_a_503_to_retry(owner_client, log):
    timeouts_before = errors_counted(owner_client, "database_timeout")

    response = owner_client.get("/failing/timed-out-query")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"
    assert not [line for line in log.lines() if "exc_info" in line]  # an outage, not a bug
    assert errors_counted(owner_client, "database_timeout") == timeouts_before + 1
