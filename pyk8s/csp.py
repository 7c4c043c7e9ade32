"""The Content-Security-Policy of every HTML page: only this origin's scripts run.

The dashboard (pyk8s.frontend) adds the hashes of its inline bootstrap scripts and its
WebSocket origin; the pages Django renders (the admin, /docs) run no inline script at all.
Inline styles are allowed (Swagger UI's page, a few admin templates, the terminal's xterm.js
theme): a style cannot run code, and the tokens these pages share an origin with are only
reachable from scripts.
"""

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse


def content_security_policy(*, scripts: Iterable[str] = (), connect: Iterable[str] = ()) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *scripts]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            " ".join(["connect-src 'self'", *connect]),
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


SERVER_RENDERED_PAGES = content_security_policy()


class ContentSecurityPolicyMiddleware:
    """Gives HTML responses that set no policy of their own the one for server-rendered pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = SERVER_RENDERED_PAGES
        return response
