import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyk8s.settings")

app = Celery("pyk8s")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks about a cluster go to the queue of the Docker host holding it (see the router).
app.conf.task_routes = ("clusters.tasks.route_task",)
app.autodiscover_tasks()
