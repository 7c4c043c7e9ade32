from django.apps import AppConfig


class ClustersConfig(AppConfig):
    name = "clusters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # tasks: registered in every process, web ones too, for clusters.queue sends by name.
        from clusters import metrics, schedule, tasks  # noqa: F401

        metrics.register()
        post_migrate.connect(schedule.ensure_periodic_tasks, sender=self)
