import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyk8s.settings")

app = Celery("pyk8s")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks about a cluster go to the queue of the Docker host holding it (see the router).
app.conf.task_routes = ("clusters.tasks.route_task",)
app.autodiscover_tasks()


@celeryd_init.connect
def _connections_of_their_own(**kwargs: Any) -> None:
    """The worker forks its pool processes: a connection pool (its sockets and threads) must
    not be shared with them, so each keeps a connection of its own between tasks instead.
    Runs before the worker touches the database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["OPTIONS"].pop("pool", None):
        database["CONN_MAX_AGE"] = settings.DATABASE_WORKER_CONN_MAX_AGE
