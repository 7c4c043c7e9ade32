"""API tokens: named, long-lived, scoped credentials for scripts and CI.

A token reads `pk8s_<prefix>.<secret>`: the fixed start lets secret scanners find leaked
ones, the prefix finds the row, and only a SHA-512 of the whole is stored
(djangorestframework-api-key's generator and hasher: a hash made for high-entropy keys, not
passwords). It is shown once, when it is made.

A token dies when it expires, when it is revoked (its open sockets close), and with its
account's deactivation; a password change or a log-out-everywhere leaves it alone unless the
user revokes it too.
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import status
from rest_framework_api_key.crypto import KeyGenerator

from accounts.models import ApiToken, ApiTokenScope, User
from pyk8s import realtime
from pyk8s.errors import ApplicationError

logger = logging.getLogger(__name__)

SECRET_START = "pk8s_"  # noqa: S105 (the start every token has, for secret scanners)
_keys = KeyGenerator(prefix_length=8, secret_key_length=40)
# Tokens a user may hold at once (revoked ones do not count): enough for every pipeline.
MAX_TOKENS_PER_USER = 50
# The last use is written at most this often per token and address: not on every request.
LAST_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiToken:
    token: ApiToken
    secret: str  # never stored: shown to the user once


def default_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.PYK8S_API_TOKEN_MAX_DAYS)


def api_token_create(
    *, user: User, name: str, scope: str, expires_at: datetime | None
) -> IssuedApiToken:
    """A new token; expires_at None means never, which the operator must allow."""
    now = timezone.now()
    longest = timedelta(days=settings.PYK8S_API_TOKEN_MAX_DAYS)
    if expires_at is None and not settings.PYK8S_API_TOKEN_ALLOW_NO_EXPIRY:
        raise ApplicationError(
            "Tokens on this server must expire: give an expiry of at most "
            f"{settings.PYK8S_API_TOKEN_MAX_DAYS} days.",
            field="expires_at",
        )
    if expires_at is not None and expires_at <= now:
        raise ApplicationError("The expiry must be in the future.", field="expires_at")
    # A minute's slack: "in exactly the maximum" computed on the client is a little later.
    if expires_at is not None and expires_at > now + longest + timedelta(minutes=1):
        raise ApplicationError(
            f"Tokens on this server live at most {settings.PYK8S_API_TOKEN_MAX_DAYS} days "
            "(PYK8S_API_TOKEN_MAX_DAYS).",
            field="expires_at",
        )
    if scope not in ApiTokenScope.values:
        raise ApplicationError(
            f"Unknown scope; use one of {', '.join(ApiTokenScope.values)}.", field="scope"
        )
    if api_tokens_of(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ApplicationError(
            f"You have {MAX_TOKENS_PER_USER} tokens, the most allowed: revoke one first.",
            code="token_limit",
            status_code=status.HTTP_409_CONFLICT,
        )
    key, prefix, hashed_key = _keys.generate()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                scope=scope,
                prefix=prefix,
                hashed_key=hashed_key,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        if "api_token_name_unique_per_user" not in str(exc):
            raise  # a prefix drawn twice (one in 62**8): a bug's 500, not the user's fault
        raise ApplicationError(
            f"You already have a token named {name!r}: pick another name, or revoke that one.",
            field="name",
        ) from exc
    logger.info(
        "api token created",
        extra={"user_id": user.pk, "token_id": token.pk, "scope": scope, "prefix": prefix},
    )
    return IssuedApiToken(token=token, secret=SECRET_START + key)


def api_token_revoke(*, token: ApiToken) -> None:
    """Revoke the token and close the sockets opened with it; repeating it is harmless."""
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk))


def api_tokens_revoke(*, tokens: QuerySet[ApiToken]) -> int:
    """Revoke these tokens (those not revoked yet) and close their sockets: how many."""
    with transaction.atomic():
        live = list(tokens.filter(revoked_at__isnull=True).values_list("pk", "user_id"))
        ApiToken.objects.filter(pk__in=[pk for pk, _ in live], revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        for pk, user_id in live:
            realtime.access_token_revoked(user_id, socket_credential_id(pk))
    if live:
        logger.info("api tokens revoked", extra={"token_ids": [pk for pk, _ in live]})
    return len(live)


def api_tokens_usable() -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
        revoked_at__isnull=True,
        user__is_active=True,
    )


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens that are not revoked, expired ones included (they say so)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def api_token_get(*, user: User, token_id: int) -> ApiToken:
    token = api_tokens_of(user=user).filter(pk=token_id).first()
    if token is None:
        raise ApplicationError(
            "No such token of yours.", code="not_found", status_code=status.HTTP_404_NOT_FOUND
        )
    return token


def is_api_token(raw: str) -> bool:
    return raw.startswith(SECRET_START)


def api_token_authenticate(*, secret: str, client_ip: str) -> ApiToken | None:
    """The usable token with this secret, its use recorded; None for any other secret."""
    key = secret.removeprefix(SECRET_START)
    prefix, dot, _ = key.partition(".")
    if not dot:
        return None
    token = api_tokens_usable().select_related("user").filter(prefix=prefix).first()
    if token is None or not _keys.verify(key, token.hashed_key):
        return None
    _record_use(token, client_ip)
    return token


def api_token_is_usable(*, token_id: int) -> bool:
    return api_tokens_usable().filter(pk=token_id).exists()


def socket_credential_id(token_id: int) -> str:
    """What a socket opened with this token is known by, next to access tokens' jti."""
    return f"api-token:{token_id}"


def _record_use(token: ApiToken, client_ip: str) -> None:
    try:
        address: str | None = str(ipaddress.ip_address(client_ip))
    except ValueError:  # a proxy's header that holds no address
        address = None
    now = timezone.now()
    recent = token.last_used_at is not None and token.last_used_at > now - LAST_USE_RESOLUTION
    if recent and token.last_used_ip == address:
        return  # most requests: no write, no query
    # Conditional: of concurrent requests, one writes.
    ApiToken.objects.filter(pk=token.pk).exclude(
        last_used_at__gt=now - LAST_USE_RESOLUTION, last_used_ip=address
    ).update(last_used_at=now, last_used_ip=address)
