"""Celery tasks: thin wrappers, scheduled by clusters.schedule."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def tokens_flush_expired() -> None:
    """Delete expired refresh tokens and their blacklist entries (simplejwt's own command):
    every login and refresh adds a row, and nothing else ever removes one."""
    call_command("flushexpiredtokens")
