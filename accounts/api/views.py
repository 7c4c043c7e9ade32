from typing import cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from accounts import api_tokens, registration, services
from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    ApiTokensRevokedSerializer,
    CredentialsSerializer,
    RefreshSerializer,
    RegistrationModeSerializer,
    RegistrationSerializer,
    TokenPairSerializer,
    UserSerializer,
    WebsocketTicketSerializer,
)
from accounts.api.throttles import LoginThrottle, RegisterThrottle, client_ip
from accounts.models import ApiToken, ApiTokenScope, User
from pyk8s.error_handlers import ErrorSerializer


def _bad_request(name: str, fields: list[str]) -> OpenApiResponse:
    field_errors = inline_serializer(
        name=f"{name}FieldErrors",
        fields={
            field: serializers.ListField(child=serializers.CharField(), required=False)
            for field in fields
        },
    )
    return OpenApiResponse(
        field_errors,
        description="{field: [message]} for each invalid field ({detail, code} instead for a "
        "body that is not JSON).",
    )


_credentials_errors = _bad_request("Credentials", ["email", "password"])
_refresh_errors = _bad_request("Refresh", ["refresh"])
_unauthenticated = OpenApiResponse(
    ErrorSerializer, description="No access token, or an invalid, expired or revoked one."
)
_too_many = OpenApiResponse(ErrorSerializer, description="Too many attempts; see Retry-After.")
_retry_after = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before trying again.",
)


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        request=RegistrationSerializer,
        responses={
            201: UserSerializer,
            400: _bad_request("Registration", ["email", "password", "invite"]),
            403: OpenApiResponse(
                ErrorSerializer,
                description="registration_closed: the mode is closed; invite_required: the "
                "mode is invite and no invite was sent; invite_invalid: the invite is unknown, "
                "expired or used already.",
            ),
            429: _too_many,
        },
        parameters=[_retry_after],
        summary="Create an account",
        description="Passwords need 8 characters or more, must not be common or resemble "
        "the email. An email registered already gives 400 {email: [...]}. Whether an account "
        "may be made, and whether it may create clusters at once, depends on the registration "
        "mode (GET /auth/registration).",
    )
    def post(self, request: Request) -> Response:
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = registration.user_register(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class RegistrationModeView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: RegistrationModeSerializer},
        summary="Who may create an account here (PYK8S_REGISTRATION), with a message to show",
    )
    def get(self, request: Request) -> Response:
        mode = registration.registration_mode()
        return Response({"mode": mode, "message": registration.REGISTRATION_MESSAGES[mode]})


class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            200: TokenPairSerializer,
            400: _credentials_errors,
            401: OpenApiResponse(
                ErrorSerializer,
                description="invalid_credentials: the same answer for an unknown email and a "
                "wrong password.",
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="throttled: too many logins from this address; login_locked: too "
                "many failed logins for this account from this address (the right password too "
                "is refused until Retry-After), or from addresses it never logged in from (each "
                "further attempt from those waits a growing delay).",
            ),
        },
        parameters=[_retry_after],
        summary="Log in: exchange email and password for an access and a refresh token",
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.user_login(**serializer.validated_data, client_ip=client_ip(request))
        return Response({"access": pair.access, "refresh": pair.refresh})


class TokenRefreshView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            400: _refresh_errors,
            401: OpenApiResponse(
                ErrorSerializer,
                description="token_not_valid: invalid, expired, revoked or already used; "
                "no_active_account: the account is gone or disabled; session_expired: the "
                "login is PYK8S_SESSION_MAX_DAYS old, log in again; session_revoked: every "
                "session of the account was ended. A used refresh token presented again ends "
                "every session of its account.",
            ),
        },
        summary="Exchange a refresh token for a new access token and a new refresh token",
        description="Refresh tokens rotate: the one sent is used up, keep the one returned.",
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.token_refresh(refresh=serializer.validated_data["refresh"])
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(APIView):
    @extend_schema(
        request=RefreshSerializer,
        responses={204: None, 400: _refresh_errors, 401: _unauthenticated},
        summary="Log out: revoke the refresh token and the access token of this request",
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_logout(
            user=cast(User, request.user),
            refresh=serializer.validated_data["refresh"],
            access=cast(AccessToken, request.auth),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    @extend_schema(
        request=None,
        responses={204: None, 401: _unauthenticated},
        summary="Log out everywhere: end every session of the account",
        description="Every access and refresh token of the account stops working, this "
        "request's included, and its /ws sockets close with 4401.",
    )
    def post(self, request: Request) -> Response:
        services.user_sessions_end(user=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebsocketTicketView(APIView):
    # A terminal socket checks for clusters:write itself.
    token_scopes = {"POST": ApiTokenScope.CLUSTERS_READ}

    @extend_schema(
        request=None,
        responses={200: WebsocketTicketSerializer, 401: _unauthenticated},
        summary="A single-use ticket that opens one /ws socket",
        description="Connect to /ws?ticket=<ticket> within expires_in seconds. The socket "
        "lasts as long as the access token (or API token) of this request, and a logout "
        "(or revoke) of that token closes it.",
    )
    def post(self, request: Request) -> Response:
        ticket = services.websocket_ticket_issue(
            user=cast(User, request.user), credential=cast(AccessToken | ApiToken, request.auth)
        )
        return Response({"ticket": ticket, "expires_in": services.WEBSOCKET_TICKET_SECONDS})


class MeView(APIView):
    token_scopes = {"GET": ApiTokenScope.CLUSTERS_READ}  # `pyk8s auth whoami` in CI

    @extend_schema(
        responses={200: UserSerializer, 401: _unauthenticated}, summary="The logged-in account"
    )
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(cast(User, request.user)).data)


_token_forbidden = OpenApiResponse(
    ErrorSerializer, description="token_not_allowed: made with an API token; this takes a login."
)
_no_such_token = OpenApiResponse(ErrorSerializer, description="No such token of yours.")


class ApiTokenListView(APIView):
    """Your API tokens. Managing them takes a login: no API token can."""

    @extend_schema(
        responses={
            200: ApiTokenSerializer(many=True),
            401: _unauthenticated,
            403: _token_forbidden,
        },
        summary="List your API tokens (not revoked; expired ones say so)",
    )
    def get(self, request: Request) -> Response:
        tokens = api_tokens.api_tokens_of(user=cast(User, request.user))
        return Response(ApiTokenSerializer(tokens, many=True).data)

    @extend_schema(
        request=ApiTokenCreateSerializer,
        responses={
            201: ApiTokenCreatedSerializer,
            400: _bad_request("ApiTokenCreate", ["name", "scope", "expires_at"]),
            401: _unauthenticated,
            403: _token_forbidden,
            409: OpenApiResponse(ErrorSerializer, description="token_limit: too many tokens."),
        },
        summary="Create an API token; its secret is in this answer only",
    )
    def post(self, request: Request) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issued = api_tokens.api_token_create(
            user=cast(User, request.user),
            name=data["name"],
            scope=data["scope"],
            expires_at=data["expires_at"] if "expires_at" in data else api_tokens.default_expiry(),
        )
        body = {**ApiTokenSerializer(issued.token).data, "token": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class ApiTokenDetailView(APIView):
    @extend_schema(
        responses={
            200: ApiTokenSerializer,
            401: _unauthenticated,
            403: _token_forbidden,
            404: _no_such_token,
        },
        summary="One of your API tokens",
    )
    def get(self, request: Request, token_id: int) -> Response:
        token = api_tokens.api_token_get(user=cast(User, request.user), token_id=token_id)
        return Response(ApiTokenSerializer(token).data)

    @extend_schema(
        responses={204: None, 401: _unauthenticated, 403: _token_forbidden, 404: _no_such_token},
        summary="Revoke an API token: it stops working at once, and its sockets close",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        token = api_tokens.api_token_get(user=cast(User, request.user), token_id=token_id)
        api_tokens.api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenRevokeAllView(APIView):
    @extend_schema(
        request=None,
        responses={200: ApiTokensRevokedSerializer, 401: _unauthenticated, 403: _token_forbidden},
        summary="Revoke all your API tokens (a password change keeps them)",
    )
    def post(self, request: Request) -> Response:
        revoked = api_tokens.api_tokens_revoke(tokens=cast(User, request.user).api_tokens.all())
        return Response({"revoked": revoked})
