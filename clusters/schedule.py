"""The periodic tasks, declared in code and stored for django-celery-beat (so ops see and
can pause them in Django admin). Written after every migrate."""

from typing import Any

from django.conf import settings


def ensure_periodic_tasks(**kwargs: Any) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, task, seconds in [
        ("Expire clusters past their TTL", "clusters.tasks.clusters_expire",
         settings.PYK8S_EXPIRY_INTERVAL_SECONDS),
        ("Reconcile clusters with the runtime", "clusters.tasks.clusters_reconcile",
         settings.PYK8S_RECONCILE_INTERVAL_SECONDS),
        ("Remove expired refresh tokens", "accounts.tasks.tokens_flush_expired",
         24 * 60 * 60),
    ]:  # fmt: skip
        every, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": every,
                "crontab": None,
                "solar": None,
                "clocked": None,
            },
        )
