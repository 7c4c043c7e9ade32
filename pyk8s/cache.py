"""Redis connections for Django's cache, shared by the whole process.

Under ASGI Django makes a cache object per request context, and its Redis client makes a
connection pool per object: every request (each token check, each throttle) connected to
Redis anew. This pool class hands every cache object the same pool per URL instead.

Django's cache also makes a new redis.Redis for every call (setting up some 170 response
callbacks each time: a tenth of the CPU an authenticated API request took). A redis.Redis
is thread-safe, so the cache here uses one per pool.
"""

import threading
from functools import cached_property
from typing import Any

import redis
from django.core.cache.backends import redis as django_redis


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

    @cached_property
    def client(self) -> redis.Redis:
        return redis.Redis(connection_pool=self)


class RedisCacheClient(django_redis.RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        if isinstance(pool, SharedConnectionPool):
            return pool.client
        return super().get_client(key, write=write)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
