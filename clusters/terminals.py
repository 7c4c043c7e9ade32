"""What the web processes and the terminal relays share about terminal sessions: where a
host's relay listens, and the leases that count open sessions (per user, for the limit, and
in all, for the metrics) in Redis.

A lease expires unless its socket renews it, so a web process that dies holding sessions
frees its users' slots within LEASE_SECONDS instead of locking them out for good.
"""

import time
import uuid

import redis
from django.conf import settings

from pyk8s.cache import SharedConnectionPool

LEASE_SECONDS = 90
RENEW_SECONDS = 30
RELAY_ALIVE_SECONDS = 30

# Take a slot if the user holds fewer than the limit; the expired ones no longer count.
_ACQUIRE = """
local now, expires, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], expires, ARGV[4])
redis.call('ZADD', KEYS[2], expires, ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def relay_channel(host_name: str) -> str:
    """The channel-layer channel the relay of Docker host `host_name` reads session requests
    from."""
    return f"terminal.{host_name}"


def new_session_id() -> str:
    return uuid.uuid4().hex


def _key(*parts: object) -> str:
    return ":".join([settings.PYK8S_REDIS_PREFIX, "terminal", *map(str, parts)])


def _redis() -> redis.Redis:
    return SharedConnectionPool.from_url(settings.REDIS_URL).client


def terminal_lease_acquire(*, user_id: int, session_id: str) -> bool:
    """Count a session against the user's PYK8S_TERMINALS_PER_USER; False when at the limit."""
    now = time.time()
    taken = _redis().eval(
        _ACQUIRE,
        2,
        _key("user", user_id),
        _key("open"),
        now,
        now + LEASE_SECONDS,
        settings.PYK8S_TERMINALS_PER_USER,
        session_id,
        LEASE_SECONDS * 2,
    )
    return bool(taken)


def terminal_lease_renew(*, user_id: int, session_id: str) -> None:
    expires = time.time() + LEASE_SECONDS
    client = _redis()
    client.zadd(_key("user", user_id), {session_id: expires}, xx=True)
    client.zadd(_key("open"), {session_id: expires}, xx=True)
    client.expire(_key("user", user_id), LEASE_SECONDS * 2)


def terminal_lease_release(*, user_id: int, session_id: str) -> None:
    client = _redis()
    client.zrem(_key("user", user_id), session_id)
    client.zrem(_key("open"), session_id)


def terminal_sessions_open() -> int:
    return int(_redis().zcount(_key("open"), time.time(), "+inf"))


def terminal_session_seconds_add(seconds: float) -> None:
    _redis().incrbyfloat(_key("session-seconds"), seconds)


def terminal_session_seconds() -> float:
    return float(_redis().get(_key("session-seconds")) or 0)


def relay_alive_mark(relay_id: str) -> None:
    """A relay proves it is alive; the containers of one that stopped doing so are leftovers."""
    _redis().set(_key("relay", relay_id), 1, ex=RELAY_ALIVE_SECONDS)


def relay_alive(relay_id: str) -> bool:
    return bool(_redis().exists(_key("relay", relay_id)))
