"""JSON logs: one line per request, never with a query string, a body or a header."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

logger = logging.getLogger("pyk8s.request")


class JsonFormatter(BaseJsonFormatter):
    """python-json-logger's formatter, minus the request object Django attaches to its
    error records: its repr carries the full URL, query string (and any token in it)
    included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, reserved_attrs=[*RESERVED_ATTRS, "request"], **kwargs)


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        # DRF sets request.user to the token's user once it authenticates an API request.
        user = getattr(request, "user", None)
        logger.info(
            "request",
            extra={
                "method": request.method,
                # request.path never includes the query string, where tokens could travel.
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response
