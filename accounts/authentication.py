from typing import Any, cast

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from accounts import api_tokens
from accounts.api.throttles import ApiTokenGuessThrottle, client_ip
from accounts.models import ApiToken, User
from accounts.services import access_token_is_revoked, session_is_current


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer pk8s_…`: an API token (accounts.api_tokens), where a JWT goes.
    Other bearer tokens are left to JWTAuthentication. request.auth is the ApiToken, whose
    scope accounts.permissions.TokenScopeRequired checks."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        raw = parts[1].decode("latin-1")
        if not api_tokens.is_api_token(raw):
            return None
        throttle = ApiTokenGuessThrottle()
        if (wait := throttle.wait_before_any(request)) is not None:
            raise exceptions.Throttled(wait)
        token = api_tokens.api_token_authenticate(secret=raw, client_ip=client_ip(request))
        if token is None:
            throttle.count_failure(request)
            raise exceptions.AuthenticationFailed(
                "Invalid API token: unknown, expired or revoked.", code="token_not_valid"
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, refusing access tokens revoked by a logout, and those of
    sessions that were all ended (log out everywhere, a password change, a reused refresh
    token)."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = super().get_validated_token(raw_token)
        if access_token_is_revoked(str(token["jti"])):
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_not_valid"})
        return token

    # simplejwt returns a TypeVar bound to nothing in its signature; ours is always a User.
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        user = cast(User, super().get_user(validated_token))
        if not session_is_current(validated_token, user):
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_not_valid"})
        return user

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class JWTAuthenticationScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]
    # drf-spectacular matches authentication classes exactly, so the subclass needs its own.
    target_class = "accounts.authentication.JWTAuthentication"


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (pk8s_…) from POST /tokens/, for scripts and CI.",
        }
