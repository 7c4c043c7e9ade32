import base64
import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

INLINE_SCRIPT = "self.__next_f=self.__next_f||[];self.__next_f.push([0])"
PAGE = f"""<!DOCTYPE html><html><head>
<script src="/_next/static/chunks/app-1a2b.js" async=""></script>
</head><body><script>{INLINE_SCRIPT}</script>
<script id="_R_">self.__next_r="x"</script></body></html>"""


def sha256_source(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


@pytest.fixture
def export(tmp_path, settings):
    """A small stand-in for `next build` output, shaped like the real one."""
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text("<html><body>login</body></html>")
    (tmp_path / "404.html").write_text("<html><body>Page not found</body></html>")
    chunks = tmp_path / "_next" / "static" / "chunks"
    chunks.mkdir(parents=True)
    (chunks / "app-1a2b.js").write_text("console.log('app')")
    (tmp_path / "index.txt").write_text("0:{}")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    settings.PYK8S_FRONTEND_DIR = tmp_path
    return tmp_path


def test_it_serves_the_dashboard_at_the_root(client, export):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == PAGE
    assert response["Cache-Control"] == "no-cache"


def test_csp_allows_exactly_the_pages_inline_scripts(client, export):
    csp = client.get("/")["Content-Security-Policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == " ".join(
        ["script-src 'self'", sha256_source(INLINE_SCRIPT), sha256_source('self.__next_r="x"')]
    )
    # Inline styles only: xterm.js writes its theme as <style> elements.
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp


def test_csp_lets_the_page_open_its_websocket_on_the_same_host(client, export):
    csp = client.get("/", HTTP_HOST="localhost")["Content-Security-Policy"]
    assert "connect-src 'self' ws://localhost" in csp


def test_it_serves_a_pages_index_for_its_directory(client, export):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"login" in response.content


def test_it_adds_the_trailing_slash_to_pages_keeping_the_query(client, export):
    response = client.get("/login?next=/cluster/")
    assert response.status_code == 301
    assert response["Location"] == "/login/?next=/cluster/"


def test_hashed_assets_are_cached_for_a_year(client, export):
    response = client.get("/_next/static/chunks/app-1a2b.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == b"console.log('app')"


def test_text_goes_gzip_compressed_to_clients_that_accept_it(client, export):
    asset = "/_next/static/chunks/app-1a2b.js"
    plain = client.get(asset)
    packed = client.get(asset, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == b"console.log('app')"
    assert all("Accept-Encoding" in r["Vary"] for r in (plain, packed))
    assert packed["ETag"] != plain["ETag"]  # two representations
    assert (
        client.get(
            asset, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"]
        ).status_code
        == 304
    )

    page = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert gzip.decompress(page.content).decode() == PAGE
    assert sha256_source(INLINE_SCRIPT) in page["Content-Security-Policy"]


def test_images_are_sent_as_they_are(client, export):
    (export / "icon.png").write_bytes(b"\x89PNG")
    response = client.get("/icon.png", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == b"\x89PNG"


def test_route_payloads_are_plain_text_and_revalidated(client, export):
    response = client.get("/index.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"


def test_it_answers_not_modified_to_a_matching_etag(client, export):
    etag = client.get("/")["ETag"]
    response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_unknown_pages_get_the_exported_404_page(client, export):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert "Content-Security-Policy" in response


def test_it_never_serves_files_outside_the_export(client, export):
    response = client.get("/_next/../../secret.txt")
    assert response.status_code == 404
    assert b"not for the web" not in response.content


@pytest.mark.parametrize("path", ["/clusters/not-a-route/at-all/", "/tokens/not-a-route/"])
def test_api_paths_keep_their_json_404(client, export, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_it_only_reads(client, export):
    assert client.post("/").status_code == 405


def test_it_says_how_to_build_a_missing_dashboard(client, settings, tmp_path):
    settings.PYK8S_FRONTEND_DIR = tmp_path / "missing"
    response = client.get("/")
    assert response.status_code == 503
    assert b"npm run build" in response.content


def test_committed_api_types_match_the_schema():
    frontend = Path(settings.BASE_DIR) / "frontend"
    assert (frontend / "node_modules").is_dir(), "run `npm ci` in frontend/ first"
    result = subprocess.run(
        ["sh", "scripts/api-types.sh", "--check"],
        cwd=frontend,
        env={**os.environ, "PYK8S_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        "frontend/src/lib/api/schema.d.ts is stale: run `npm run api:types` in frontend/.\n"
        + result.stdout
        + result.stderr
    )


@pytest.mark.parametrize(
    "path",
    [
        # daphne decodes %2F, so an absolute path would replace the export's root.
        "/%2F{export}%2Flogin",
        "/%2Fevil.example%2F..%2F{export}%2Flogin",
        "/login%2F.%2F",
        "/login%2F%2F",
        "/login%5C",
        "/%5Cevil.example%2Flogin",
    ],
)
def test_it_refuses_absolute_dot_empty_and_backslash_segments(client, export, path):
    response = client.get(path.format(export=str(export).strip("/").replace("/", "%2F")))
    assert response.status_code == 404
    assert "Location" not in response


def test_it_redirects_only_to_a_path_on_this_site(client, export):
    response = client.get("/login")
    assert response.status_code == 301
    assert response["Location"] == "/login/"
