"""Liveness and readiness probes for Kubernetes."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    failures = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"; the message names it
        failures["database"] = type(exc).__name__
    try:
        cache.get("pyk8s:health")
    except Exception as exc:
        failures["redis"] = type(exc).__name__
    if failures:
        failed = ", ".join(sorted(failures))
        return JsonResponse(
            {"status": "unavailable", "detail": f"Not ready: {failed} unreachable.", "failed": failures},
            status=503,
        )
    return JsonResponse({"status": "ok"})
