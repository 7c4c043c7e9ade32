import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyk8s.settings")

app = Celery("pyk8s")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
