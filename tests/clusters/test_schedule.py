from django_celery_beat.models import PeriodicTask

from clusters.schedule import ensure_periodic_tasks


def test_expired_refresh_tokens_are_removed_daily(db):
    ensure_periodic_tasks()

    task = PeriodicTask.objects.get(task="accounts.tasks.tokens_flush_expired")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (24 * 60 * 60, "seconds")
