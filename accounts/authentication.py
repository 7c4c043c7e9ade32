from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from accounts.services import access_token_is_revoked


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's authentication, refusing access tokens revoked by a logout."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = super().get_validated_token(raw_token)
        if access_token_is_revoked(str(token["jti"])):
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_not_valid"})
        return token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class JWTAuthenticationScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]
    # drf-spectacular matches authentication classes exactly, so the subclass needs its own.
    target_class = "accounts.authentication.JWTAuthentication"
