from typing import Any

from drf_spectacular.openapi import AutoSchema

from accounts.authentication import ApiTokenAuthenticationScheme
from accounts.permissions import scope_needed


class TokenScopeAwareSchema(AutoSchema):
    """Lists API tokens among an operation's ways in only where
    accounts.permissions.TokenScopeRequired lets them through."""

    def get_auth(self) -> list[dict[str, list[Any]]]:
        auth: list[dict[str, list[Any]]] = super().get_auth()
        if scope_needed(self.view, self.method) is None:
            return [way for way in auth if ApiTokenAuthenticationScheme.name not in way]
        return auth
