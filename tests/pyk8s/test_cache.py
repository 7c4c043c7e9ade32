"""Django's cache reaches Redis through one connection pool per process, however many cache
objects Django makes (one per request context under ASGI)."""

import threading

from django.core.cache import caches


def test_every_cache_object_uses_the_same_redis_pool():
    pools = []

    def use_the_cache() -> None:  # each thread gets a cache object of its own
        cache = caches["default"]
        cache.set("pool-probe", 1)
        pools.append((cache, cache._cache._get_connection_pool(write=True)))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=use_the_cache) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(cache) for cache, _ in pools}) == 3
    assert len({id(pool) for _, pool in pools}) == 1


def test_every_cache_object_uses_the_same_redis_client():
    clients = []

    def use_the_cache() -> None:
        cache = caches["default"]
        cache.set("client-probe", 1)
        clients.append(cache._cache.get_client(write=True))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=use_the_cache) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(client) for client in clients}) == 1
    assert caches["default"].get("client-probe") == 1
