"""One JSON shape for every API error.

Field errors are `{"field": ["message"]}` (DRF's own shape); everything else is
`{"detail": "message", "code": "machine_readable_code"}`.
"""

from typing import Any

import redis
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404
from kombu.exceptions import OperationalError as BrokerUnavailable
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from pyk8s.errors import ApplicationError

# The database or Redis (cache, channel layer, Celery broker) being restarted is an outage
# the client can wait out, not a server error.
UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    BrokerUnavailable,
)
UNAVAILABLE_RETRY_SECONDS = 5


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        if exc.field:
            return Response({exc.field: [exc.message]}, status=exc.status_code, headers=headers)
        body = {"detail": exc.message, "code": exc.code}
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, UNAVAILABLE):
        return Response(
            {
                "detail": "Temporarily unavailable; try again in a few seconds.",
                "code": "unavailable",
            },
            status=503,
            headers={"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    # DRF's handler adds WWW-Authenticate and Retry-After; only the body is reshaped here.
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        if not isinstance(response.data, dict):  # a bare list from a non-field validator
            response.data = {"detail": " ".join(map(str, response.data)), "code": "invalid"}
        elif set(response.data) == {"non_field_errors"}:
            response.data = {
                "detail": " ".join(map(str, response.data["non_field_errors"])),
                "code": "invalid",
            }
        return response
    response.data = _detail_and_code(exc)
    return response


def _detail_and_code(exc: exceptions.APIException) -> dict[str, str]:
    detail, codes = exc.detail, exc.get_codes()
    # simplejwt raises its errors with a dict detail: {"detail": ..., "code": ..., "messages": ...}
    if isinstance(detail, dict):
        return {
            "detail": str(detail.get("detail", exc.default_detail)),
            "code": str(detail.get("code", exc.default_code)),
        }
    return {"detail": str(detail), "code": codes if isinstance(codes, str) else exc.default_code}
