"""How each kind of process holds its PostgreSQL connections: web and beat borrow from a
pool; a Celery worker, which forks its pool processes, gives every process its own."""

from celery.signals import celeryd_init
from django.db import connection


def test_web_processes_borrow_from_a_pool():
    pool = connection.settings_dict["OPTIONS"]["pool"]

    assert pool["timeout"] <= connection.settings_dict["OPTIONS"]["connect_timeout"]
    assert connection.settings_dict["CONN_MAX_AGE"] == 0  # a pool allows no other
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]


def test_a_worker_keeps_a_connection_per_process_instead(settings, monkeypatch):
    database = settings.DATABASES["default"]
    # Restored after the test: this process's own connections use the same dicts.
    monkeypatch.setitem(database, "OPTIONS", {**database["OPTIONS"]})
    monkeypatch.setitem(database, "CONN_MAX_AGE", database["CONN_MAX_AGE"])
    settings.DATABASE_WORKER_CONN_MAX_AGE = 120

    # Sent by `celery worker` before it starts its pool processes or touches the database.
    celeryd_init.send(sender="worker@test", instance=None, conf=None, options={})

    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 120
