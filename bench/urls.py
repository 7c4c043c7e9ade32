from django.http import HttpRequest, JsonResponse
from django.urls import path

from pyk8s.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def trivial(request: HttpRequest) -> JsonResponse:
    """The floor for the API figures: Django and the same middleware, no DRF, no database."""
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/trivial", trivial), *urlpatterns]
