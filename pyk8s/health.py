"""Liveness and readiness probes for Kubernetes."""

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

logger = logging.getLogger(__name__)

# Under the chart's 3 s probe timeout, so a stuck Redis shows as a 503 naming it, not a timeout.
REDIS_TIMEOUT_SECONDS = 2

_ok = inline_serializer("HealthOk", fields={"status": serializers.CharField()})


@extend_schema(responses={200: _ok}, summary="Liveness: the process answers", tags=["health"])
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def live(request: Request) -> Response:
    return Response({"status": "ok"})


@extend_schema(
    responses={
        200: _ok,
        503: OpenApiResponse(
            inline_serializer(
                "HealthUnavailable",
                fields={
                    "status": serializers.CharField(),
                    "detail": serializers.CharField(),
                    "code": serializers.CharField(),
                    "failed": serializers.ListField(child=serializers.CharField()),
                },
            ),
            description="Names what is unreachable: database, redis or both.",
        ),
    },
    summary="Readiness: the database and Redis are reachable",
    tags=["health"],
)
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def ready(request: Request) -> Response:
    failed = [name for name, check in _CHECKS if not _passes(name, check)]
    if failed:
        return Response(
            {
                "status": "unavailable",
                "detail": f"Not ready: {' and '.join(failed)} unreachable.",
                "code": "not_ready",
                "failed": failed,
            },
            status=503,
        )
    return Response({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    with client:
        client.ping()


_CHECKS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("database", _check_database),
    ("redis", _check_redis),
)


def _passes(name: str, check: Callable[[], None]) -> bool:
    try:
        check()
    except Exception as exc:  # any failure means "not ready"; the log says which and why
        logger.warning(
            "readiness check failed",
            extra={"dependency": name, "error": f"{type(exc).__name__}: {exc}"},
        )
        return False
    return True
