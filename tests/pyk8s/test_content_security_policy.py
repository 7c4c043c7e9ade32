"""Every HTML page gets a Content-Security-Policy, and /docs runs only scripts from this
origin: it shares the origin with the dashboard's tokens."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.pyk8s.test_frontend import export

__all__ = ["export"]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d for d in policy.split("; ")}


@pytest.mark.django_db
def test_docs_load_swagger_ui_from_this_origin(client):
    response = client.get("/docs")

    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources, page
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "<script>" not in page  # the start-up script is a file too, so no inline scripts
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), f"{source} is not installed"


@pytest.mark.django_db
def test_docs_start_up_script_is_served(client):
    response = client.get("/docs?script=")

    assert response.status_code == 200
    assert "SwaggerUIBundle" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/docs", "/admin/login/"])
def test_server_rendered_pages_run_only_this_origins_scripts(client, path):
    response = client.get(path)

    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"


def test_the_dashboard_keeps_its_own_policy(client, export):
    policy = directives(client.get("/"))

    assert policy["script-src"].startswith("script-src 'self' 'sha256-")
    assert policy["connect-src"].startswith("connect-src 'self' ws")


def test_json_answers_need_no_policy(client):
    assert "Content-Security-Policy" not in client.get("/health/live")
