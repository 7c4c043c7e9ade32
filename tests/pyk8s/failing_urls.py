"""The project's URLs plus views that fail, to see what a crash looks like from outside."""

from django.db import connection, transaction
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


@api_view(["GET"])
def broken_query_view(request: Request) -> Response:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELEC 1")  # a typo in our own SQL
    return Response()


@api_view(["GET"])
def timed_out_query_view(request: Request) -> Response:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 10")
        cursor.execute("SELECT pg_sleep(1)")
    return Response()


urlpatterns = [
    path("failing/api", failing_api_view),
    path("failing/django", failing_django_view),
    path("failing/broken-query", broken_query_view),
    path("failing/timed-out-query", timed_out_query_view),
    *project_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
