"""The password hasher: OWASP's argon2id, with a bound on how many hashes run at once.

Every hash holds its memory for as long as it runs, and logins with unknown emails are hashed
too (so that they take as long as real ones), so concurrent logins could otherwise push the web
process past its memory limit. Past the bound a login is refused at once with 503 and
Retry-After: failing fast keeps the memory bounded and tells the client when to come back.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from rest_framework import status

from pyk8s.errors import ApplicationError

# A hash takes about 30 ms: a slot usually frees up within this, so a burst waits briefly.
SLOT_WAIT_SECONDS = 0.5
BUSY_RETRY_SECONDS = 1


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id with m=19 MiB, t=2, p=1 (OWASP's recommendation), instead of Django's 100 MiB
    and 8 lanes. Hashes made with other costs are redone at the next login (must_update)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with password_hashing_slot():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with password_hashing_slot():
            return super().verify(password, encoded)


@contextmanager
def password_hashing_slot() -> Iterator[None]:
    """One of this process's PYK8S_PASSWORD_HASHING_CONCURRENCY slots, or a 503 when none
    frees up quickly."""
    slots = _slots(settings.PYK8S_PASSWORD_HASHING_CONCURRENCY)
    if not slots.acquire(timeout=SLOT_WAIT_SECONDS):
        raise ApplicationError(
            "The server is busy checking other passwords; try again in a second.",
            code="busy",
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            retry_after=BUSY_RETRY_SECONDS,
        )
    try:
        yield
    finally:
        slots.release()


@lru_cache
def _slots(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)
