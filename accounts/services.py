"""Account writes: registration, login with failure limits, logout."""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User, normalize_email
from pyk8s.errors import ApplicationError


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def user_register(*, email: str, password: str) -> User:
    email = normalize_email(email)
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="password") from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password)
    except IntegrityError as exc:
        raise ApplicationError(
            "An account with this email already exists.", field="email", code="email_taken"
        ) from exc


def user_login(*, email: str, password: str) -> TokenPair:
    """Tokens for valid credentials.

    After PYK8S_LOGIN_FAILURE_LIMIT failures for one account inside the window, every
    attempt (the right password too) is refused until the window ends: this slows down
    password guessing spread over many IP addresses. Unknown accounts are counted the
    same way, so the answer never tells whether an email is registered.
    """
    email = normalize_email(email)
    failures = _LoginFailures(email)
    retry_after = failures.retry_after()
    if retry_after:
        raise ApplicationError(
            f"Too many failed logins for this account. Try again in {retry_after} seconds.",
            code="login_locked",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            retry_after=retry_after,
        )
    # authenticate() hashes the password even for an unknown email, so both take similar time.
    user = authenticate(username=email, password=password)
    if user is None:
        failures.record()
        raise ApplicationError(
            "Email or password is incorrect.",
            code="invalid_credentials",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    failures.clear()
    refresh = RefreshToken.for_user(user)
    User.objects.filter(pk=user.pk).update(last_login=refresh.current_time)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def user_logout(*, refresh: str, access: AccessToken | None) -> None:
    """Blacklist the refresh token and revoke the access token that made the request."""
    try:
        RefreshToken(refresh).blacklist()  # type: ignore[arg-type]
    except TokenError as exc:
        raise ApplicationError(
            "The refresh token is invalid or already revoked.",
            field="refresh",
            code="token_not_valid",
        ) from exc
    if access is not None:
        access_token_revoke(access)


def access_token_revoke(access: AccessToken) -> None:
    remaining = int(access["exp"] - time.time())
    if remaining > 0:
        cache.set(_revoked_key(str(access["jti"])), 1, timeout=remaining)


def access_token_is_revoked(jti: str) -> bool:
    return bool(cache.get(_revoked_key(jti)))


def _revoked_key(jti: str) -> str:
    return f"revoked-access:{jti}"


class _LoginFailures:
    """A per-account failure counter in the shared cache (Redis), fixed window."""

    def __init__(self, email: str) -> None:
        digest = hashlib.sha256(email.encode()).hexdigest()  # no address in Redis keys
        self.count_key = f"login-failures:{digest}:count"
        self.start_key = f"login-failures:{digest}:start"
        self.window = settings.PYK8S_LOGIN_FAILURE_WINDOW_SECONDS

    def retry_after(self) -> int:
        values = cache.get_many([self.count_key, self.start_key])
        if values.get(self.count_key, 0) < settings.PYK8S_LOGIN_FAILURE_LIMIT:
            return 0
        started = values.get(self.start_key, time.time())
        return max(1, int(started + self.window - time.time()) + 1)

    def record(self) -> None:
        cache.add(self.start_key, time.time(), timeout=self.window)
        cache.add(self.count_key, 0, timeout=self.window)
        try:
            cache.incr(self.count_key)
        except ValueError:  # the window ended between add and incr
            cache.set(self.count_key, 1, timeout=self.window)

    def clear(self) -> None:
        cache.delete_many([self.count_key, self.start_key])
