"""One JSON shape for every API error, and one rule for what is a server error.

Field errors are `{"field": ["message"]}` (DRF's own shape); everything else is
`{"detail": "message", "code": "machine_readable_code"}`.

An outage of a data store (the database or Redis unreachable, a connection dropped, a
statement timed out) is a 503 the client can wait out. Anything else unexpected, our own SQL
or code, is a 500 that Django logs with its traceback (pyk8s.views.server_error).
"""

import logging
from collections.abc import Callable
from typing import Any

import psycopg
import redis
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from kombu.exceptions import OperationalError as BrokerUnavailable
from prometheus_client import Counter
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from pyk8s.errors import ApplicationError

logger = logging.getLogger(__name__)

UNAVAILABLE_RETRY_SECONDS = 5
# PostgreSQL's SQLSTATEs for "not now": the server shutting down or starting up, out of
# connections, or (57014) a statement cancelled by statement_timeout. Class 08 is a
# connection failure; psycopg reports one it detects itself with no SQLSTATE at all.
_POSTGRES_UNAVAILABLE = {"57P01", "57P02", "57P03", "53300"}
_POSTGRES_TIMEOUT = "57014"

SERVER_ERRORS = Counter(
    "pyk8s_http_errors",
    "Requests that ended in a server error, by cause: an outage of a data store "
    "(database, database_timeout, redis, broker; answered 503) or our own bug (bug; 500).",
    ["cause"],
)


class ErrorSerializer(serializers.Serializer[None]):
    """Every error but field errors: a message for people and a code for programs."""

    detail = serializers.CharField()
    code = serializers.CharField()


def outage_of(exc: BaseException) -> str | None:
    """The data store whose outage `exc` is, or None when it is not an outage."""
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return "redis"
    if isinstance(exc, BrokerUnavailable):
        return "broker"
    if isinstance(exc, DatabaseError):  # Django's wrapper: judge the driver's error inside it
        exc = exc.__cause__ or exc
    if not isinstance(exc, psycopg.Error):
        return None
    if exc.sqlstate is None:
        # Raised by psycopg itself: no connection, or a pool with none to lend (PoolTimeout).
        return "database" if isinstance(exc, psycopg.OperationalError) else None
    if exc.sqlstate == _POSTGRES_TIMEOUT:
        return "database_timeout"
    if exc.sqlstate.startswith("08") or exc.sqlstate in _POSTGRES_UNAVAILABLE:
        return "database"
    return None


class OutageMiddleware:
    """Answers a view's data-store outage with 503 and Retry-After, for DRF and Django views
    alike, and an ApplicationError that a plain Django view (the admin's login, which hashes
    passwords) let through in the API's shape; every other exception goes on to Django, which
    logs it and answers 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ApplicationError):
            return _application_error_response(exception)
        cause = outage_of(exception)
        if cause is None:
            return None
        SERVER_ERRORS.labels(cause=cause).inc()
        logger.warning("unavailable", extra={"cause": cause, "error": type(exception).__name__})
        return JsonResponse(
            {
                "detail": "Temporarily unavailable; try again in a few seconds.",
                "code": "unavailable",
            },
            status=503,
            headers={"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)},
        )


def _application_error_response(exc: ApplicationError) -> HttpResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return JsonResponse(
        {"detail": exc.message, "code": exc.code}, status=exc.status_code, headers=headers
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        if exc.field:
            return Response({exc.field: [exc.message]}, status=exc.status_code, headers=headers)
        body = {"detail": exc.message, "code": exc.code}
        return Response(body, status=exc.status_code, headers=headers)
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
