from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView

from accounts import services
from accounts.api.serializers import (
    CredentialsSerializer,
    ErrorSerializer,
    RefreshSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from accounts.api.throttles import LoginThrottle, RegisterThrottle

_errors: dict[int | str, Any] = {
    400: OpenApiResponse(description="Field errors: {field: [message]}"),
    429: OpenApiResponse(ErrorSerializer, description="Too many attempts; see Retry-After."),
}


class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        request=CredentialsSerializer,
        responses={201: UserSerializer, **_errors},
        summary="Create an account",
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Email or password is incorrect."),
            **_errors,
        },
        summary="Log in: exchange email and password for an access and a refresh token",
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = services.user_login(**serializer.validated_data)
        return Response({"access": pair.access, "refresh": pair.refresh})


class TokenRefreshView(BaseTokenRefreshView):
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=RefreshSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(ErrorSerializer, description="Refresh token invalid or expired."),
            **_errors,
        },
        summary="Exchange a refresh token for a new access token (and a new refresh token)",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    @extend_schema(
        request=RefreshSerializer,
        responses={204: None, 401: ErrorSerializer, **_errors},
        summary="Log out: revoke the refresh token and this access token",
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_logout(
            refresh=serializer.validated_data["refresh"], access=cast(AccessToken, request.auth)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: UserSerializer, 401: ErrorSerializer}, summary="Who am I")
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)
