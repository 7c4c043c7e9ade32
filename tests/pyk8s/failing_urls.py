"""The project's URLs plus views that fail, to see what a crash looks like from outside."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from pyk8s.urls import handler404, handler500
from pyk8s.urls import urlpatterns as project_urlpatterns


@api_view(["GET"])
def failing_api_view(request: Request) -> Response:
    raise RuntimeError("the API view failed")


def failing_django_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the Django view failed")


urlpatterns = [
    path("failing/api", failing_api_view),
    path("failing/django", failing_django_view),
    *project_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
