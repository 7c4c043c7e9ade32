from typing import TYPE_CHECKING

from rest_framework import permissions, status
from rest_framework.request import Request

from accounts.models import ApiToken, ApiTokenScope
from pyk8s.errors import ApplicationError

# Not at run time: rest_framework.views reads the permission classes while it imports.
if TYPE_CHECKING:
    from rest_framework.views import APIView

# What each scope covers: a write token may do what a read token may.
_GRANTS = {
    ApiTokenScope.CLUSTERS_READ: {ApiTokenScope.CLUSTERS_READ},
    ApiTokenScope.CLUSTERS_WRITE: {ApiTokenScope.CLUSTERS_READ, ApiTokenScope.CLUSTERS_WRITE},
}


def scope_needed(view: "APIView", method: str) -> str | None:
    """The scope an API token needs for this view's action (viewsets) or HTTP method (plain
    views), from the view's `token_scopes`; None where no API token may go."""
    scopes: dict[str, str] = getattr(view, "token_scopes", {})
    return scopes.get(getattr(view, "action", None) or method)


def scope_covers(scope: str, needed: str) -> bool:
    return needed in _GRANTS[ApiTokenScope(scope)]


class TokenScopeRequired(permissions.BasePermission):
    """Requests made with an API token reach only what their scope covers.

    A view opens itself to API tokens with `token_scopes`: the scope each of its actions
    (viewsets) or HTTP methods (plain views) needs. Anything else (accounts, the tokens
    themselves) takes a login. Requests with a JWT are not concerned.
    """

    def has_permission(self, request: Request, view: "APIView") -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = scope_needed(view, request.method or "")
        if needed is None:
            raise ApplicationError(
                "API tokens cannot do this (accounts and tokens take a login): log in with "
                "your password, e.g. `pyk8s auth login`.",
                code="token_not_allowed",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        if not scope_covers(token.scope, needed):
            raise ApplicationError(
                f"This needs an API token with scope {needed}; this one has {token.scope}.",
                code="token_scope",
                status_code=status.HTTP_403_FORBIDDEN,
            )
        return True
