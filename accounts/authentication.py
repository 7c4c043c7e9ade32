from typing import Any, cast

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.services import access_token_is_revoked, session_is_current


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
