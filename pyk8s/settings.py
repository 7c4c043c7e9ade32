"""The one settings module: everything configurable comes from the environment.

Local runs need no configuration at all: the secret key and the encryption key are
generated once under var/, and PostgreSQL and Redis are private servers on unix sockets
under var/ (started by `python -m pyk8s.run`).
"""

import re
import secrets
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

from pyk8s import local_postgres, local_secrets

django_stubs_ext.monkeypatch()  # lets generic Django classes be subscripted at run time

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PYK8S_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# --- Secrets -------------------------------------------------------------------------------

# What this process is: "web" (daphne, manage.py) or "worker" (a Celery worker, which runs kind).
# Anyone with a cluster can become root on the worker's Docker host (docs/operations.md, "Trust
# model"), so a worker holds no secret it does not use: it never reads SECRET_KEY or
# PYK8S_JWT_SIGNING_KEY, and has throwaway random keys of its own instead (Django and simplejwt
# need some at import), which sign nothing anyone else would accept.
PYK8S_PROCESS_ROLE = env.str("PYK8S_PROCESS_ROLE", default="web")
if PYK8S_PROCESS_ROLE not in ("web", "worker"):
    raise ImproperlyConfigured(
        f"PYK8S_PROCESS_ROLE must be web or worker, not {PYK8S_PROCESS_ROLE!r}."
    )
_SIGNS = PYK8S_PROCESS_ROLE == "web"


def _signing_key(name: str) -> str:
    """A 50+ character key from the environment; a local run (`make run`, or DEBUG) keeps a
    generated one under var/."""
    key = env.str(name, default="") or local_secrets.read_or_create(
        VAR_DIR / name.lower().removeprefix("pyk8s_"), local_secrets.new_secret_key, create=DEBUG
    )
    if len(key) < 50:
        raise ImproperlyConfigured(
            f"{name} is missing or too short: set it to at least 50 random characters "
            "(or run with DEBUG=true to have one generated under var/)."
        )
    return key


SECRET_KEY = _signing_key("SECRET_KEY") if _SIGNS else secrets.token_urlsafe(64)
# Signs the API's JWTs. A key of its own: rotating it (which ends every API session) leaves
# Django's signatures (admin sessions, CSRF) alone, and neither key's leak gives the other.
PYK8S_JWT_SIGNING_KEY = (
    _signing_key("PYK8S_JWT_SIGNING_KEY") if _SIGNS else secrets.token_urlsafe(64)
)
if _SIGNS and PYK8S_JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured("PYK8S_JWT_SIGNING_KEY must differ from SECRET_KEY.")

# Comma-separated Fernet keys; the first encrypts, all decrypt (see rotate_encryption_keys).
PYK8S_ENCRYPTION_KEYS = env.list("PYK8S_ENCRYPTION_KEYS", default=[]) or [
    local_secrets.read_or_create(
        VAR_DIR / "encryption_key", local_secrets.new_fernet_key, create=DEBUG
    )
]
if not all(PYK8S_ENCRYPTION_KEYS):
    raise ImproperlyConfigured("PYK8S_ENCRYPTION_KEYS must be set (comma-separated Fernet keys).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications --------------------------------------------------------------------------

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here rather than a CDN
    "django_celery_beat",
    "channels",
    "accounts",
    "clusters",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "pyk8s.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pyk8s.logging.RequestLogMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, so that the 503 it makes of an outage passes through all of the above.
    "pyk8s.error_handlers.OutageMiddleware",
]

ROOT_URLCONF = "pyk8s.urls"
WSGI_APPLICATION = "pyk8s.wsgi.application"
ASGI_APPLICATION = "pyk8s.asgi.application"
APPEND_SLASH = False  # urls accept both forms themselves; never redirect a POST or DELETE

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores ---------------------------------------------------------------------------

# PostgreSQL only. Without DATABASE_URL, the private server of `make run` (pyk8s.local_postgres)
# on its unix socket in var/postgres/.
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL and not re.match(r"^(postgres|postgresql|pgsql)://", DATABASE_URL):
    # Named without the URL itself, which may carry a password.
    raise ImproperlyConfigured(
        "DATABASE_URL must be a PostgreSQL URL, postgres://USER:PASSWORD@HOST:5432/NAME "
        "(leave it unset for `make run`'s own server)."
    )
DATABASES: dict[str, dict[str, Any]] = {
    "default": env.db_url_config(DATABASE_URL)
    if DATABASE_URL
    else {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": str(VAR_DIR / "postgres"),
        "NAME": local_postgres.DATABASE,
        "USER": local_postgres.SUPERUSER,
    }
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Celery worker processes keep their own connection this long between tasks (pyk8s.celery).
DATABASE_WORKER_CONN_MAX_AGE = env.int("DATABASE_WORKER_CONN_MAX_AGE", default=300)
# An unreachable server must fail fast (readiness probes), not hang for minutes.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
# daphne runs every request in a thread of its own, so a kept connection would never be
# reused: requests borrow from a pool (a new connection each cost 10-20 ms). Checked on
# borrowing (CONN_HEALTH_CHECKS), so a restarted server costs nobody an error; with the
# server down, a request waits no longer than a connection attempt would (then 503).
DATABASES["default"]["OPTIONS"]["pool"] = {
    "min_size": 1,
    "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
    "timeout": 3,
}
if test_db_name := env.str("PYK8S_TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": test_db_name}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Without REDIS_URL, a private Redis on a unix socket under var/ (started by pyk8s.run).
REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = env.str("REDIS_URL", default=f"unix://{REDIS_SOCKET}")
# Everything this deployment keeps in Redis is under this prefix, so test runs can share a server.
PYK8S_REDIS_PREFIX = env.str("PYK8S_REDIS_PREFIX", default="pyk8s")

CACHES = {
    "default": {
        "BACKEND": "pyk8s.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": PYK8S_REDIS_PREFIX,
        # One connection pool and client per process (pyk8s.cache), not one per request.
        "OPTIONS": {"pool_class": "pyk8s.cache.SharedConnectionPool"},
    }
}

# No socket timeout: with one, redis-py sends each command through asyncio.wait_for, which
# on Python 3.11 can drop a cancel, and a cancelled receive (a closed socket's consumer) then
# polls Redis for ever. Reads still end: channels_redis's blocking pop returns after 5 s. Over
# TCP, a peer that vanished without closing is found by keepalive (~1 min) instead.
_CHANNEL_LAYER_REDIS: dict[str, Any] = {
    "address": REDIS_URL,
    "socket_timeout": None,
    "socket_connect_timeout": 5,
}
if not REDIS_URL.startswith("unix:"):
    _CHANNEL_LAYER_REDIS |= {
        "socket_keepalive": True,
        "socket_keepalive_options": {
            socket.TCP_KEEPIDLE: 30,
            socket.TCP_KEEPINTVL: 10,
            socket.TCP_KEEPCNT: 3,
        },
    }

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [_CHANNEL_LAYER_REDIS],
            "prefix": f"{PYK8S_REDIS_PREFIX}:asgi",
            # All sockets of one web process share one Redis queue (channels_redis's
            # process-specific channels), and a message past its capacity is dropped: the
            # default 100 lost events as soon as an expiry pass or a queue move told 100
            # users of one process at once. Messages still expire after 60 s.
            "capacity": 10_000,
        },
    }
}

# --- Accounts and authentication -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"

# argon2id at OWASP's 19 MiB, 2 iterations, 1 lane; Django's own (100 MiB, 8 lanes) hashes are
# still read, and redone at the next login. Only one hasher per algorithm: the last one wins.
PASSWORD_HASHERS = [
    "accounts.hashers.BoundedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Validates nothing: ends every session of an account whose password changes.
    {"NAME": "accounts.passwords.PasswordChangeEndsSessions"},
]

# Password hashes running at once in one web process (19 MiB each); past it, 503 Retry-After.
PYK8S_PASSWORD_HASHING_CONCURRENCY = env.int("PYK8S_PASSWORD_HASHING_CONCURRENCY", default=4)
if PYK8S_PASSWORD_HASHING_CONCURRENCY < 1:
    raise ImproperlyConfigured("PYK8S_PASSWORD_HASHING_CONCURRENCY must be 1 or more.")

# Who may create an account: open (anyone), invite (a single-use link from staff), approval
# (anyone, but clusters only once staff approve the account) or closed. Anyone who can create a
# cluster can become root on its Docker host (docs/operations.md, "Trust model"), so the
# default is approval; `make run` (pyk8s.run) sets open.
PYK8S_REGISTRATION = env.str("PYK8S_REGISTRATION", default="approval")
if PYK8S_REGISTRATION not in ("open", "invite", "approval", "closed"):
    raise ImproperlyConfigured(
        f"PYK8S_REGISTRATION must be open, invite, approval or closed, not {PYK8S_REGISTRATION!r}."
    )
# How long an invite link from the admin stays valid.
PYK8S_INVITE_DAYS = env.int("PYK8S_INVITE_DAYS", default=7)
if PYK8S_INVITE_DAYS < 1:
    raise ImproperlyConfigured("PYK8S_INVITE_DAYS must be 1 or more.")

PYK8S_LOGIN_FAILURE_LIMIT = env.int("PYK8S_LOGIN_FAILURE_LIMIT", default=5)
PYK8S_LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
PYK8S_LOGIN_RATE = env.str("PYK8S_LOGIN_RATE", default="30/minute")
PYK8S_REGISTER_RATE = env.str("PYK8S_REGISTER_RATE", default="10/hour")
# Requests with an invalid API token allowed per client address; past it, every API token
# from that address is refused (429) until the window ends, so guessing gains nothing.
PYK8S_API_TOKEN_GUESS_RATE = env.str("PYK8S_API_TOKEN_GUESS_RATE", default="30/minute")
for _name, _rate in (
    ("PYK8S_LOGIN_RATE", PYK8S_LOGIN_RATE),
    ("PYK8S_REGISTER_RATE", PYK8S_REGISTER_RATE),
    ("PYK8S_API_TOKEN_GUESS_RATE", PYK8S_API_TOKEN_GUESS_RATE),
):
    # DRF would only fail on the first request, with a 500.
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"{_name} must be a rate like 30/minute (per second, minute, hour or day), "
            f"not {_rate!r}."
        )

# API tokens (for CI): the longest lifetime a user may give one, and whether one may never
# expire.
PYK8S_API_TOKEN_MAX_DAYS = env.int("PYK8S_API_TOKEN_MAX_DAYS", default=90)
PYK8S_API_TOKEN_ALLOW_NO_EXPIRY = env.bool("PYK8S_API_TOKEN_ALLOW_NO_EXPIRY", default=False)
if PYK8S_API_TOKEN_MAX_DAYS < 1:
    raise ImproperlyConfigured("PYK8S_API_TOKEN_MAX_DAYS must be 1 or more.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TokenScopeRequired",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "accounts.schema.TokenScopeAwareSchema",
    "EXCEPTION_HANDLER": "pyk8s.error_handlers.api_exception_handler",
    "NUM_PROXIES": env.int("PYK8S_NUM_PROXIES", default=0),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("PYK8S_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("PYK8S_REFRESH_TOKEN_DAYS", default=7)),
    # Rotation, blacklisting and last_login are done by accounts.services, not simplejwt's views.
    "SIGNING_KEY": PYK8S_JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# However often its tokens are refreshed, a login lasts this long; then the user logs in again.
PYK8S_SESSION_MAX_DAYS = env.int("PYK8S_SESSION_MAX_DAYS", default=30)
# A used refresh token presented again this soon is its owner retrying a lost answer (a page
# reloaded mid-refresh), not a copy: it gets tokens instead of ending every session.
PYK8S_REFRESH_REUSE_GRACE_SECONDS = env.int("PYK8S_REFRESH_REUSE_GRACE_SECONDS", default=10)
if PYK8S_SESSION_MAX_DAYS < 1:
    raise ImproperlyConfigured("PYK8S_SESSION_MAX_DAYS must be 1 or more.")

SPECTACULAR_SETTINGS = {
    "TITLE": "PyK8s-Lab API",
    "DESCRIPTION": "Short-lived, isolated Kubernetes (KinD) clusters on demand.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Clusters ------------------------------------------------------------------------------

PYK8S_KIND_BINARY = env.str("PYK8S_KIND_BINARY", default="kind")
# The docker CLI, for each cluster's own Docker network, which kind never removes.
PYK8S_DOCKER_BINARY = env.str("PYK8S_DOCKER_BINARY", default="docker")
PYK8S_RUNTIME_NAME_PREFIX = env.str("PYK8S_RUNTIME_NAME_PREFIX", default="pk-")
PYK8S_TTL_DEFAULT_MINUTES = env.int("PYK8S_TTL_DEFAULT_MINUTES", default=60)
PYK8S_TTL_MIN_MINUTES = env.int("PYK8S_TTL_MIN_MINUTES", default=10)
PYK8S_TTL_MAX_MINUTES = env.int("PYK8S_TTL_MAX_MINUTES", default=480)
PYK8S_MAX_CLUSTERS_PER_USER = env.int("PYK8S_MAX_CLUSTERS_PER_USER", default=3)
PYK8S_KUBERNETES_VERSIONS = env.list(
    "PYK8S_KUBERNETES_VERSIONS", default=["1.33.1", "1.32.5", "1.31.9"]
)
if not PYK8S_KUBERNETES_VERSIONS:
    raise ImproperlyConfigured("PYK8S_KUBERNETES_VERSIONS must list at least one version.")
# "1.33.1=kindest/node:v1.33.1@sha256:...,..."; versions not listed use kindest/node:v<version>.
PYK8S_KIND_NODE_IMAGES = env.dict("PYK8S_KIND_NODE_IMAGES", default={})
PYK8S_API_SERVER_ADDRESS = env.str("PYK8S_API_SERVER_ADDRESS", default="127.0.0.1")

# --- Terminal -----------------------------------------------------------------------------

# The image of the throwaway container a terminal session runs in (deploy/terminal/ builds one);
# empty: this deployment offers no terminal, and says so.
PYK8S_TERMINAL_IMAGE = env.str("PYK8S_TERMINAL_IMAGE", default="")
PYK8S_TERMINAL_IDLE_MINUTES = env.float("PYK8S_TERMINAL_IDLE_MINUTES", default=15)
PYK8S_TERMINALS_PER_USER = env.int("PYK8S_TERMINALS_PER_USER", default=2)
PYK8S_TERMINALS_PER_HOST = env.int("PYK8S_TERMINALS_PER_HOST", default=20)
# What one session may send its browser; past it the shell waits (so `yes` cannot flood Redis).
PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND = env.int(
    "PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND", default=64 * 1024
)
PYK8S_TERMINAL_MEMORY = env.str("PYK8S_TERMINAL_MEMORY", default="256m")
PYK8S_TERMINAL_CPUS = env.str("PYK8S_TERMINAL_CPUS", default="0.5")
PYK8S_TERMINAL_PIDS = env.int("PYK8S_TERMINAL_PIDS", default=128)
for _name, _count in (
    ("PYK8S_TERMINALS_PER_USER", PYK8S_TERMINALS_PER_USER),
    ("PYK8S_TERMINALS_PER_HOST", PYK8S_TERMINALS_PER_HOST),
    ("PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND", PYK8S_TERMINAL_OUTPUT_BYTES_PER_SECOND),
    ("PYK8S_TERMINAL_PIDS", PYK8S_TERMINAL_PIDS),
):
    if _count < 1:
        raise ImproperlyConfigured(f"{_name} must be a whole number of at least 1.")
if PYK8S_TERMINAL_IDLE_MINUTES <= 0:
    raise ImproperlyConfigured("PYK8S_TERMINAL_IDLE_MINUTES must be more than 0.")

# --- Provisioning --------------------------------------------------------------------------

PYK8S_WORKER_HOST = env.str("PYK8S_WORKER_HOST", default=socket.gethostname())
PYK8S_MAX_CONCURRENT_PROVISIONS = env.int("PYK8S_MAX_CONCURRENT_PROVISIONS", default=2)
PYK8S_HOST_MAX_CLUSTERS = env.int("PYK8S_HOST_MAX_CLUSTERS", default=10)
for _name, _count in (
    ("PYK8S_MAX_CONCURRENT_PROVISIONS", PYK8S_MAX_CONCURRENT_PROVISIONS),
    ("PYK8S_HOST_MAX_CLUSTERS", PYK8S_HOST_MAX_CLUSTERS),
):
    if not 1 <= _count <= 32767:  # a host with no room would only fill the queue
        raise ImproperlyConfigured(f"{_name} must be a whole number from 1 to 32767.")
# The name users reach this worker's Docker host by; each cluster's API server certificate and
# kubeconfig then carry it. Empty: kubeconfigs point at PYK8S_API_SERVER_ADDRESS.
PYK8S_PUBLIC_HOST = env.str("PYK8S_PUBLIC_HOST", default="")
if PYK8S_PUBLIC_HOST and not re.fullmatch(
    r"[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*", PYK8S_PUBLIC_HOST
):
    raise ImproperlyConfigured(
        "PYK8S_PUBLIC_HOST must be a host name or IP address, without scheme, port or "
        f"brackets (e.g. docker-1.lab.example.com), not {PYK8S_PUBLIC_HOST!r}."
    )
# Workers prove their host is alive this often; a host silent for PYK8S_HOST_DEAD_SECONDS gets
# no new clusters and its clusters show "host unreachable" until it is back.
PYK8S_HOST_HEARTBEAT_SECONDS = env.float("PYK8S_HOST_HEARTBEAT_SECONDS", default=15)
PYK8S_HOST_DEAD_SECONDS = env.float("PYK8S_HOST_DEAD_SECONDS", default=120)
if PYK8S_HOST_DEAD_SECONDS < 2 * PYK8S_HOST_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "PYK8S_HOST_DEAD_SECONDS must be at least twice PYK8S_HOST_HEARTBEAT_SECONDS, or one "
        "late heartbeat would mark a healthy host unreachable."
    )
# A create still waiting for room on any host after this long is refused (ERROR no_capacity).
PYK8S_QUEUE_MAX_WAIT_SECONDS = env.int("PYK8S_QUEUE_MAX_WAIT_SECONDS", default=1800)
PYK8S_CREATE_TIMEOUT_SECONDS = env.int("PYK8S_CREATE_TIMEOUT_SECONDS", default=600)
PYK8S_DELETE_TIMEOUT_SECONDS = env.int("PYK8S_DELETE_TIMEOUT_SECONDS", default=180)
PYK8S_CREATE_ATTEMPTS = env.int("PYK8S_CREATE_ATTEMPTS", default=2)
# A running create or delete proves it is alive this often; silence for the stale period
# means its worker died, and the reconciler takes the cluster over.
PYK8S_HEARTBEAT_SECONDS = env.float("PYK8S_HEARTBEAT_SECONDS", default=10)
PYK8S_STALE_SECONDS = env.float("PYK8S_STALE_SECONDS", default=90)
PYK8S_EXPIRY_INTERVAL_SECONDS = env.int("PYK8S_EXPIRY_INTERVAL_SECONDS", default=60)
PYK8S_RECONCILE_INTERVAL_SECONDS = env.int("PYK8S_RECONCILE_INTERVAL_SECONDS", default=120)
PYK8S_ORPHAN_GRACE_SECONDS = env.int("PYK8S_ORPHAN_GRACE_SECONDS", default=300)
PYK8S_EXPIRY_WARNING_MINUTES = env.int("PYK8S_EXPIRY_WARNING_MINUTES", default=10)


def _warm_pool(spec: str) -> dict[tuple[str, int], int]:
    """ "1.33.1:0=2,1.31.9:1=1" -> {("1.33.1", 0): 2, ("1.31.9", 1): 1}."""
    pool: dict[tuple[str, int], int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = re.fullmatch(r"([^:=\s]+):([0-3])=([0-9]{1,3})", item)
        if match is None or match[1] not in PYK8S_KUBERNETES_VERSIONS:
            raise ImproperlyConfigured(
                f"PYK8S_WARM_POOL: {item!r} should be version:workers=size, with a version "
                f"from PYK8S_KUBERNETES_VERSIONS ({', '.join(PYK8S_KUBERNETES_VERSIONS)}), "
                "0 to 3 workers and a size from 0 to 999, e.g. "
                f"{PYK8S_KUBERNETES_VERSIONS[0]}:0=2."
            )
        pool[(match[1], int(match[2]))] = int(match[3])
    return pool


# Ready clusters kept per spec (Kubernetes version, workers), handed out on request; empty: none.
PYK8S_WARM_POOL = _warm_pool(env.str("PYK8S_WARM_POOL", default=""))
# Older pool clusters are replaced, so node images and certificates handed out stay fresh.
PYK8S_WARM_POOL_MAX_AGE_MINUTES = env.int("PYK8S_WARM_POOL_MAX_AGE_MINUTES", default=240)

# --- Celery --------------------------------------------------------------------------------

# Kombu spells a Redis unix socket redis+socket://, where redis-py says unix://.
CELERY_BROKER_URL = re.sub(r"^unix://", "redis+socket://", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{PYK8S_REDIS_PREFIX}:celery:",
    # A create may run for PYK8S_CREATE_TIMEOUT_SECONDS: the broker must not hand its message
    # to another worker meanwhile, and Celery must not kill it first (our own timeout does).
    "visibility_timeout": PYK8S_CREATE_TIMEOUT_SECONDS * 2 + 300,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = PYK8S_CREATE_TIMEOUT_SECONDS + 300
CELERY_TASK_SOFT_TIME_LIMIT = PYK8S_CREATE_TIMEOUT_SECONDS + 240
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Creates take at most PYK8S_MAX_CONCURRENT_PROVISIONS pool processes (slot dispatch limits
# them); two more keep deletes, expiry and reconciliation from waiting behind long creates.
CELERY_WORKER_CONCURRENCY = PYK8S_MAX_CONCURRENT_PROVISIONS + 2

# --- Web, static files, i18n ---------------------------------------------------------------

# The dashboard's static export (frontend/out), served at / by pyk8s.frontend.
PYK8S_FRONTEND_DIR = Path(env.str("PYK8S_FRONTEND_DIR", default=str(BASE_DIR / "frontend" / "out")))

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves what collectstatic put in STATIC_ROOT, under daphne as in production. The
# manifest variant would make every template that names a static file fail before collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Strict-Transport-Security on HTTPS responses (directly, or through PYK8S_BEHIND_TLS_PROXY).
# Off by default: browsers remember it, so turn it on once HTTPS is there to stay.
SECURE_HSTS_SECONDS = env.int("PYK8S_HSTS_SECONDS", default=0)
if env.bool("PYK8S_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging: JSON lines on stdout ---------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pyk8s.logging.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Replaced by pyk8s.logging.RequestLogMiddleware, which never logs query strings.
        "django.server": {"handlers": [], "propagate": False},
        "django.request": {"level": "ERROR"},
        "daphne.server": {"level": "WARNING"},
        "daphne.http_protocol": {"level": "WARNING"},
        "daphne.ws_protocol": {"level": "WARNING"},
    },
}
