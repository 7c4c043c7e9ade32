"""Serves the web dashboard, Next's static export (frontend/out), at `/` on the API's origin.

Same origin means the UI calls the API with relative URLs and no CORS. The export inlines its
bootstrap scripts, so the Content-Security-Policy allows exactly those scripts, by their sha256
hashes (computed once per version of each page), rather than 'unsafe-inline'.
"""

import base64
import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
)
from django.urls import get_script_prefix, re_path
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from pyk8s.csp import content_security_policy

# Next names these files after their content, so a changed file gets a new name.
IMMUTABLE_PREFIX = "_next/static/"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
# Everything else must be revalidated (cheaply, by ETag), so a new build shows up at once.
REVALIDATE_CACHE = "no-cache"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}

# Text is sent gzip-compressed to clients that accept it: the dashboard's scripts shrink to about
# a third. Only these files, which hold no secret: compressing API answers that mix secrets with
# what a request echoes would open the door to BREACH.
COMPRESSIBLE = {".html", ".js", ".css", ".txt", ".json", ".map", ".svg", ".webmanifest"}
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")

_INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE
)


@dataclass(frozen=True)
class _Page:
    content: bytes
    gzipped: bytes
    script_hashes: tuple[str, ...]


def frontend_dir() -> Path:
    return Path(settings.PYK8S_FRONTEND_DIR)


@require_safe
def serve(request: HttpRequest, path: str) -> HttpResponseBase:
    root = frontend_dir().resolve()
    if not root.is_dir():
        return HttpResponse(
            "The web dashboard is not built: run `npm ci && npm run build` in frontend/.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    if not is_plain_relative_path(path):
        return _not_found(request, root)
    try:
        target = (root / path).resolve()
        if not target.is_relative_to(root):
            return _not_found(request, root)
        if target.is_dir():
            if path and not path.endswith("/"):
                # Pages are exported as <page>/index.html and link relative to that folder.
                # Built from the checked path, never the raw one: `//host/...` is another site.
                query = request.META.get("QUERY_STRING", "")
                location = f"{get_script_prefix()}{path}/?{query}".rstrip("?")
                return HttpResponsePermanentRedirect(location)
            target = target / "index.html"
        if not target.is_file():
            return _not_found(request, root)
    except (ValueError, OSError):  # a NUL byte or an over-long name: no such file either
        return _not_found(request, root)
    return _file_response(request, target, immutable=path.startswith(IMMUTABLE_PREFIX))


def is_plain_relative_path(path: str) -> bool:
    """Whether `path` names a file below the export by plain names only.

    The server decodes %2F and %5C before routing, so a path may arrive absolute (replacing the
    export's root when joined) or with segments a browser reads differently from the filesystem.
    Only a trailing slash may leave an empty segment.
    """
    if "\\" in path or "\0" in path:
        return False
    segments = path.removesuffix("/").split("/") if path else []
    return all(segment not in ("", ".", "..") for segment in segments)


def _file_response(
    request: HttpRequest, file: Path, *, immutable: bool, status: int = 200
) -> HttpResponseBase:
    stat = file.stat()
    compressible = file.suffix in COMPRESSIBLE
    gzipped = compressible and bool(
        _ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    )
    # Each encoding is its own representation, with its own ETag.
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}{"-gz" if gzipped else ""}"'
    response: HttpResponseBase | None = None
    if status == 200:
        response = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if response is None:
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        version = (str(file), stat.st_mtime_ns, stat.st_size)
        if file.suffix == ".html":
            page = _page(*version)
            content = page.gzipped if gzipped else page.content
            response = HttpResponse(content, status=status, content_type=content_type)
            response["Content-Security-Policy"] = page_content_security_policy(request, page)
        elif gzipped:
            response = HttpResponse(_gzipped(*version), status=status, content_type=content_type)
        else:
            response = FileResponse(file.open("rb"), status=status, content_type=content_type)
        if gzipped:
            response["Content-Encoding"] = "gzip"
    if compressible:
        patch_vary_headers(response, ["Accept-Encoding"])
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = IMMUTABLE_CACHE if immutable else REVALIDATE_CACHE
    return response


def _not_found(request: HttpRequest, root: Path) -> HttpResponseBase:
    page = root / "404.html"
    if page.is_file():
        return _file_response(request, page, immutable=False, status=404)
    return HttpResponse("Not found.\n", status=404, content_type="text/plain; charset=utf-8")


@lru_cache(maxsize=64)
def _page(path: str, mtime_ns: int, size: int) -> _Page:
    """A page and the hashes of its inline scripts; the key changes when the file does."""
    content = Path(path).read_bytes()
    hashes = tuple(
        dict.fromkeys(
            f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
            for script in _INLINE_SCRIPT.findall(content)
        )
    )
    return _Page(content=content, gzipped=_compress(content), script_hashes=hashes)


@lru_cache(maxsize=256)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """A file's gzip encoding, made once per version of the file (the key changes with it)."""
    return _compress(Path(path).read_bytes())


def _compress(content: bytes) -> bytes:
    return gzip.compress(content, compresslevel=9, mtime=0)


def page_content_security_policy(request: HttpRequest, page: _Page) -> str:
    socket_origin = f"{'wss' if request.is_secure() else 'ws'}://{request.get_host()}"
    return content_security_policy(scripts=page.script_hashes, connect=[socket_origin])


# Everything the API does not answer; its own prefixes keep their JSON 404s.
API_PREFIXES = (
    "auth",
    "users",
    "clusters",
    "tokens",
    "ws",
    "docs",
    "api",
    "health",
    "metrics",
    "admin",
    "static",
)
urlpatterns = [
    re_path(rf"^(?!(?:{'|'.join(API_PREFIXES)})(?:/|$))(?P<path>.*)$", serve, name="frontend"),
]
