"""JSON answers for errors outside DRF views, so API clients never get an HTML page."""

from django.http import HttpRequest, JsonResponse

from pyk8s.error_handlers import SERVER_ERRORS


def bad_request(request: HttpRequest, exception: Exception) -> JsonResponse:
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def forbidden(request: HttpRequest, exception: Exception) -> JsonResponse:
    return JsonResponse({"detail": "Forbidden.", "code": "forbidden"}, status=403)


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    # Django has logged the exception with its traceback (logger django.request).
    SERVER_ERRORS.labels(cause="bug").inc()
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
