"""Redis connections for Django's cache, shared by the whole process.

Under ASGI Django makes a cache object per request context, and its Redis client makes a
connection pool per object: every request (each token check, each throttle) connected to
Redis anew. This pool class hands every cache object the same pool per URL instead.
"""

import threading
from typing import Any

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict[tuple[str, str], "SharedConnectionPool"] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> "SharedConnectionPool":
        key = (url, repr(sorted(kwargs.items())))
        with cls._shared_lock:
            if key not in cls._shared:
                cls._shared[key] = super().from_url(url, **kwargs)
            return cls._shared[key]
