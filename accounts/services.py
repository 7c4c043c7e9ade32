"""Account writes: login with failure limits, token refresh, logout, the end of every session,
and the tickets that open /ws sockets (registration: accounts.registration)."""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token, UntypedToken

from accounts import api_tokens
from accounts.models import ApiToken, User, normalize_email
from pyk8s import realtime
from pyk8s.errors import ApplicationError

logger = logging.getLogger(__name__)

# The time of the login a refresh token descends from (epoch seconds; OpenID Connect's name),
# carried from each refresh token to the next, so that refreshing never extends a session
# past PYK8S_SESSION_MAX_DAYS.
LOGIN_TIME_CLAIM = "auth_time"
# The account's session_generation when the login happened; a token from an older one is dead.
SESSION_GENERATION_CLAIM = "session_generation"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def user_login(*, email: str, password: str, client_ip: str) -> TokenPair:
    """Tokens for valid credentials, within the failure limits of user_authenticate."""
    user = user_authenticate(email=email, password=password, client_ip=client_ip)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return _token_pair(user, logged_in_at=int(time.time()))


def user_authenticate(*, email: str, password: str, client_ip: str) -> User:
    """The user with these credentials, for the API's login and the admin's alike.

    Two limits, so that neither guessing nor locking someone out pays:
    - From one address, after PYK8S_LOGIN_FAILURE_LIMIT failures for one account inside the
      window, every attempt (the right password too) is refused until the window ends.
    - From addresses the account has not logged in from, attempts beyond that limit in a day
      wait a delay that doubles with each one (up to the window): guesses spread over many
      addresses slow to a trickle, while the owner, from an address they used before, is
      never held up by someone else's failures.
    Unknown accounts are counted the same way, so the answer never tells whether an email is
    registered.
    """
    email = normalize_email(email)
    attempts = _LoginAttempts(email, client_ip)
    retry_after = attempts.reserve()
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
        raise ApplicationError(
            "Email or password is incorrect.",
            code="invalid_credentials",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    attempts.succeeded()
    return user


def token_refresh(*, refresh: str) -> TokenPair:
    """A new access token and a new refresh token; the given refresh token is used up.

    Blacklisting is what claims the old token. Presented again within
    PYK8S_REFRESH_REUSE_GRACE_SECONDS of its rotation, it is the same client retrying an answer
    it never got (a page reloaded mid-refresh, a dropped connection, two tabs at once) and gets
    tokens too; later, or after a logout, it is a copy, and every session of the account ends
    (_end_sessions_of_reused). No refresh extends a session past PYK8S_SESSION_MAX_DAYS from
    its login.
    """
    try:
        # Signature, expiry and type; whether it was used already is decided below.
        old = RefreshToken(refresh, verify=False)  # type: ignore[arg-type]
        UntypedToken(refresh)  # type: ignore[arg-type]
        if old.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh":
            raise TokenError("not a refresh token")
    except TokenError as exc:
        raise _refresh_token_invalid() from exc
    user = User.objects.filter(pk=old[jwt_settings.USER_ID_CLAIM], is_active=True).first()
    if user is None:
        raise ApplicationError(
            "The account of this token no longer exists or is disabled.",
            code="no_active_account",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    if not session_is_current(old, user):
        raise _session_ended()
    # Tokens from before the claim existed count from their own issue time.
    logged_in_at = int(old.get(LOGIN_TIME_CLAIM, old["iat"]))
    if time.time() >= logged_in_at + settings.PYK8S_SESSION_MAX_DAYS * 24 * 60 * 60:
        raise ApplicationError(
            f"This session started more than {settings.PYK8S_SESSION_MAX_DAYS} days ago and "
            "has ended. Log in again.",
            code="session_expired",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    if not _rotate(old):
        _end_sessions_of_reused(user)
        raise _refresh_token_invalid()
    return _token_pair(user, logged_in_at=logged_in_at)


def _rotate(token: RefreshToken) -> bool:
    """Use the token up; False when it was used up before, other than by a rotation within
    the grace (a logout's revocation has none).

    The rotation is noted before the token is blacklisted, so that of requests racing with
    it, the ones that lose find the note."""
    rotated = f"refresh-rotated:{token[jwt_settings.JTI_CLAIM]}"
    grace = settings.PYK8S_REFRESH_REUSE_GRACE_SECONDS
    if not BlacklistedToken.objects.filter(token__jti=token[jwt_settings.JTI_CLAIM]).exists():
        if grace:
            cache.set(rotated, time.time(), timeout=grace + 1)
        # Annotated as the row, blacklist() returns get_or_create's (row, created).
        _, claimed = cast(tuple[BlacklistedToken, bool], token.blacklist())
        if claimed:
            return True
    rotated_at = cache.get(rotated)
    return rotated_at is not None and time.time() - rotated_at < grace


def user_sessions_end(*, user: User) -> None:
    """End every session of the account: its access and refresh tokens stop working (they
    carry an older session generation) and its open sockets close."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        user.refresh_from_db(fields=["session_generation"])
        realtime.sessions_ended(user.pk, user.session_generation)


def session_is_current(token: Token, user: User) -> bool:
    """Whether no end of all the account's sessions came after this token's login."""
    return int(token.get(SESSION_GENERATION_CLAIM, 0)) == user.session_generation


def _end_sessions_of_reused(user: User) -> None:
    """A genuine refresh token, used up a while ago, presented again: whoever holds it copied
    it, the owner or a thief, and nothing tells which. So every session of the account ends,
    the thief's included, and the owner logs in again.

    The whole account, not only this login's chain of tokens: a thief who copied one refresh
    token may well have copied the others from the same place. (A token of sessions that have
    ended already is refused before this, so replaying an old token cannot log the owner out
    again and again.)
    """
    logger.warning("reused refresh token: every session ended", extra={"user_id": user.pk})
    user_sessions_end(user=user)


def user_logout(*, user: User, refresh: str, access: AccessToken) -> None:
    """Blacklist the refresh token and revoke the access token that made the request."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise ApplicationError(
            "The refresh token is invalid, expired or already revoked.",
            field="refresh",
            code="token_not_valid",
        ) from exc
    if str(token[jwt_settings.USER_ID_CLAIM]) != str(user.pk):
        raise ApplicationError(
            "The refresh token belongs to another account.", field="refresh", code="not_yours"
        )
    token.blacklist()
    access_token_revoke(access)
    realtime.access_token_revoked(user.pk, str(access["jti"]))


def access_token_revoke(access: AccessToken) -> None:
    remaining = int(access["exp"] - time.time())
    if remaining > 0:
        cache.set(_revoked_key(str(access["jti"])), 1, timeout=remaining)


def access_token_is_revoked(jti: str) -> bool:
    return bool(cache.get(_revoked_key(jti)))


@dataclass(frozen=True)
class WebsocketTicket:
    """What a /ws socket opened with a ticket inherits from the credential that got it: an
    access token, or an API token."""

    user_id: int
    # jti, or api_tokens.socket_credential_id: a logout or a revoke of it closes the socket
    credential_id: str
    expires_at: float | None  # the credential's expiry (None: never): the socket closes then
    # An access token's session generation: ending every session closes the socket. None for
    # API tokens, which outlive sessions.
    session_generation: int | None
    # An API token's id and what it lets the socket do; None: a login, everything.
    api_token_id: int | None = None
    scope: str | None = None


WEBSOCKET_TICKET_SECONDS = 30


def websocket_ticket_issue(*, user: User, credential: Token | ApiToken) -> str:
    """A single-use ticket for opening one /ws socket within WEBSOCKET_TICKET_SECONDS.

    Browsers cannot set headers on a WebSocket, and a token in its URL ends up in proxies'
    access logs; a ticket there is worthless by the time anyone reads it.
    """
    ticket = secrets.token_urlsafe(32)
    if isinstance(credential, ApiToken):
        expires_at = credential.expires_at
        granted = WebsocketTicket(
            user_id=user.pk,
            credential_id=api_tokens.socket_credential_id(credential.pk),
            expires_at=expires_at.timestamp() if expires_at else None,
            session_generation=None,
            api_token_id=credential.pk,
            scope=credential.scope,
        )
    else:
        granted = WebsocketTicket(
            user_id=user.pk,
            credential_id=str(credential["jti"]),
            expires_at=float(credential["exp"]),
            session_generation=int(credential.get(SESSION_GENERATION_CLAIM, 0)),
        )
    cache.set(_ticket_key(ticket), granted, timeout=WEBSOCKET_TICKET_SECONDS)
    return ticket


def websocket_ticket_redeem(*, ticket: str) -> WebsocketTicket | None:
    """The ticket's grant, once: None for an unknown, expired or used ticket, and for one
    whose access token or session has been revoked since, or whose account is disabled."""
    key = _ticket_key(ticket)
    granted = cache.get(key)
    # Of two sockets presenting one ticket, only the one whose delete removes it goes on.
    if not isinstance(granted, WebsocketTicket) or not cache.delete(key):
        return None
    if granted.expires_at is not None and granted.expires_at <= time.time():
        return None
    if granted.api_token_id is not None:
        return granted if api_tokens.api_token_is_usable(token_id=granted.api_token_id) else None
    if access_token_is_revoked(granted.credential_id):
        return None
    user = User.objects.filter(pk=granted.user_id, is_active=True).first()
    if user is None or user.session_generation != granted.session_generation:
        return None
    return granted


def _ticket_key(ticket: str) -> str:
    # Hashed, so that the keys Redis lists are no tickets.
    return f"ws-ticket:{hashlib.sha256(ticket.encode()).hexdigest()}"


def _revoked_key(jti: str) -> str:
    return f"revoked-access:{jti}"


def _token_pair(user: User, *, logged_in_at: int) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    refresh[LOGIN_TIME_CLAIM] = logged_in_at
    refresh[SESSION_GENERATION_CLAIM] = user.session_generation
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _session_ended() -> ApplicationError:
    return ApplicationError(
        "This session was ended: logged out everywhere, the password changed, or a used "
        "refresh token was presented again. Log in again.",
        code="session_revoked",
        status_code=status.HTTP_401_UNAUTHORIZED,
    )


def _refresh_token_invalid() -> ApplicationError:
    return ApplicationError(
        "The refresh token is invalid, expired or already used. Log in again.",
        code="token_not_valid",
        status_code=status.HTTP_401_UNAUTHORIZED,
    )


class _LoginAttempts:
    """Login attempts for one account from one address, in the shared cache (Redis).

    An attempt is counted before the password is checked, so parallel requests cannot slip
    extra guesses past a limit. A success clears the address's count and makes the address
    known to the account, which exempts it from the delays that other addresses' failures add.
    """

    ACROSS_ADDRESSES_WINDOW = 24 * 60 * 60
    KNOWN_ADDRESS_SECONDS = 30 * 24 * 60 * 60

    def __init__(self, email: str, client_ip: str) -> None:
        account = hashlib.sha256(email.encode()).hexdigest()  # no address in Redis keys
        address = hashlib.sha256(client_ip.encode()).hexdigest()
        self.window = settings.PYK8S_LOGIN_FAILURE_WINDOW_SECONDS
        self.from_address = _Window(f"login-attempts:{account}:{address}", self.window)
        self.across_addresses = _Window(f"login-attempts:{account}", self.ACROSS_ADDRESSES_WINDOW)
        self.next_allowed_key = f"login-attempts:{account}:next-allowed"
        self.known_key = f"login-known:{account}:{address}"

    def reserve(self) -> int:
        """Count one attempt; 0 if it may go ahead, else the seconds to wait."""
        limit = settings.PYK8S_LOGIN_FAILURE_LIMIT
        if self.from_address.count() > limit:
            return self.from_address.seconds_left()
        if cache.get(self.known_key):
            return 0
        beyond_limit = self.across_addresses.count() - limit
        if beyond_limit <= 0:
            return 0
        # One attempt per delay: `add` lets exactly one of any parallel attempts go ahead.
        delay = min(2 ** (beyond_limit - 1), self.window)
        if cache.add(self.next_allowed_key, time.time() + delay, timeout=delay):
            return 0
        next_allowed = cache.get(self.next_allowed_key, time.time())
        return max(1, int(next_allowed - time.time()) + 1)

    def succeeded(self) -> None:
        self.from_address.clear()
        cache.set(self.known_key, 1, timeout=self.KNOWN_ADDRESS_SECONDS)


class _Window:
    """A counter in a fixed window that starts with its first count."""

    def __init__(self, key: str, seconds: int) -> None:
        self.count_key, self.start_key, self.seconds = f"{key}:count", f"{key}:start", seconds

    def count(self) -> int:
        cache.add(self.start_key, time.time(), timeout=self.seconds)
        cache.add(self.count_key, 0, timeout=self.seconds)
        try:
            return int(cache.incr(self.count_key))
        except ValueError:  # the window ended between add and incr
            cache.set(self.count_key, 1, timeout=self.seconds)
            return 1

    def seconds_left(self) -> int:
        started = cache.get(self.start_key, time.time())
        return max(1, int(started + self.seconds - time.time()) + 1)

    def clear(self) -> None:
        cache.delete_many([self.count_key, self.start_key])
