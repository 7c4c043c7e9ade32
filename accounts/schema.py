from typing import Any

from drf_spectacular.openapi import AutoSchema

from accounts.authentication import ApiTokenAuthenticationScheme


class TokenScopeAwareSchema(AutoSchema):
    """Lists API tokens among an operation's ways in only where
    accounts.permissions.TokenScopeRequired lets them through."""

    def get_auth(self) -> list[dict[str, list[Any]]]:
        auth: list[dict[str, list[Any]]] = super().get_auth()
        scopes: dict[str, str] = getattr(self.view, "token_scopes", {})
        if scopes.get(getattr(self.view, "action", None) or self.method) is None:
            return [way for way in auth if ApiTokenAuthenticationScheme.name not in way]
        return auth
