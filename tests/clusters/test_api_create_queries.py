"""POST /clusters/ stays lean: a fixed, small number of queries, and the cluster's JSON built
once for its event and its response."""

import contextlib
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clusters import representation
from clusters.models import Cluster, ClusterStatus
from tests.clusters.warm_pool import SPEC, fill_pool

# Statements that do work, not counting transaction control (BEGIN, COMMIT, savepoints): the
# access token's user; then the owner's row locked, their counts, and the insert. A worker
# places the cluster afterwards.
CREATE_QUERIES = 4
# The access token's user; the owner's row locked and their counts; the oldest ready pool
# cluster read and locked, and its update.
CLAIM_QUERIES = 5
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


@contextlib.contextmanager
def assert_num_queries(expected: int) -> Iterator[None]:
    with CaptureQueriesContext(connection) as captured:
        yield
    work = [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
    assert len(work) == expected, "\n".join(work)


@pytest.fixture
def json_builds(monkeypatch) -> list[int]:
    """How many clusters each build of the API's JSON serialised."""
    builds: list[int] = []
    build = representation.ClusterSerializer.to_representation

    def counted(self, instance):
        builds.append(1)
        return build(self, instance)

    monkeypatch.setattr(representation.ClusterSerializer, "to_representation", counted)
    return builds


def test_a_create_makes_four_queries_and_builds_its_json_once(
    user, owner_client, queued_tasks, published, json_builds, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), assert_num_queries(CREATE_QUERIES):
        response = owner_client.post("/clusters/", {"name": "lean"}, format="json")

    assert response.status_code == 202, response.content
    assert json_builds == [1]
    assert response.json()["queue_position"] == 0
    # The event carries the very JSON the response does.
    assert published == [(user.id, {"type": "cluster.status.changed", "cluster": response.json()})]


@pytest.mark.django_db(transaction=True)  # the pool is made by real creates, committed
def test_a_claim_from_the_warm_pool_makes_five_queries_and_builds_its_json_once(
    settings,
    fake_kind,
    user,
    owner_client,
    queued_tasks,
    published,
    json_builds,
):
    fill_pool(settings, 1)
    json_builds.clear()
    published.clear()

    with assert_num_queries(CLAIM_QUERIES):
        response = owner_client.post(
            "/clusters/",
            {"name": "warm", "kubernetes_version": SPEC[0], "workers": SPEC[1]},
            format="json",
        )

    assert response.status_code == 202, response.content
    assert response.json()["status"] == ClusterStatus.RUNNING
    assert json_builds == [1]
    assert published == [(user.id, {"type": "cluster.status.changed", "cluster": response.json()})]
    assert Cluster.objects.get(id=response.json()["id"]).claimed_at is not None
