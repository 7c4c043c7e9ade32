"""GET /clusters/, rendered by PostgreSQL.

The list is the API's busiest read: every dashboard load, every `pyk8s cluster list`,
every catch-up after a reconnect. Made in Python (build and compile the queryset, count,
load 50 clusters, serialize them field by field, encode the JSON), it served 0.17-0.20
times the requests per second of a bare Django view in the same daphne (bench/api.py).
Here the ORM still defines the list (selectors.cluster_list), but its query is built and
compiled once per page shape, and PostgreSQL writes each cluster as the JSON that
ClusterSerializer gives (compared in tests/clusters/test_api_list_clusters.py) and counts
the list in the same query: about 0.5 times.
"""

import functools
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, F, Func, TextField, Value, Window
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from accounts.models import User
from clusters import selectors
from clusters.api.serializers import ClusterSerializer
from clusters.models import Cluster

# The owner's id the query is compiled with, then found among its parameters and replaced.
_ANY_OWNER = -271_828_182


def cluster_page(
    *, owner: User, status: str | None, labels: dict[str, str], offset: int, limit: int
) -> tuple[int, list[str]]:
    """How many clusters cluster_list(owner, status, labels) has, and the JSON of those from
    offset on (at most limit). No clusters there: (0, [])."""
    sql, params, owner_at = _page_query(status, tuple(sorted(labels.items())), offset, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params[:owner_at], owner.pk, *params[owner_at + 1 :]])
        rows = cursor.fetchall()
    return (rows[0][0] if rows else 0), [shown for _, shown in rows]


@functools.lru_cache(maxsize=256)
def _page_query(
    status: str | None, labels: tuple[tuple[str, str], ...], offset: int, limit: int
) -> tuple[str, tuple[Any, ...], int]:
    """The page's SQL and parameters, and where among them the owner's id goes. Building and
    compiling the queryset took longer than PostgreSQL takes to run it."""
    page = (
        selectors.cluster_list(owner=User(pk=_ANY_OWNER), status=status, labels=dict(labels))
        .annotate(total=Window(Count("*")), shown=_as_json(ClusterSerializer.Meta.fields))
        .values_list("total", "shown")[offset : offset + limit]
    )
    sql, params = page.query.sql_with_params()
    (owner_at,) = [i for i, value in enumerate(params) if value == _ANY_OWNER]
    return sql, params, owner_at


def _as_json(names: list[str]) -> Cast:
    """A cluster as JSON text, key for key and value for value what ClusterSerializer shows."""
    pairs: list[Combinable] = []
    for name in names:
        pairs += [Value(name), _Iso8601(F(name)) if _is_datetime(name) else F(name)]
    return Cast(Func(*pairs, function="JSON_BUILD_OBJECT", output_field=TextField()), TextField())


def _is_datetime(name: str) -> bool:
    return any(f.name == name and isinstance(f, DateTimeField) for f in Cluster._meta.fields)


class _Iso8601(Func):
    """A timestamp as DRF shows it with TIME_ZONE = "UTC": Python's isoformat() of the UTC
    time, so microseconds only when there are some, and "Z" for +00:00."""

    template = (
        "TO_CHAR(%(expressions)s AT TIME ZONE 'UTC', "
        "CASE WHEN MOD(DATE_PART('microseconds', %(expressions)s)::bigint, 1000000) = 0 "
        """THEN 'YYYY-MM-DD"T"HH24:MI:SS"Z"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' END)"""
    )
    output_field = TextField()
