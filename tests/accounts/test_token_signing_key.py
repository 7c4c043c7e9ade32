"""The API's tokens are signed with PYK8S_JWT_SIGNING_KEY, never with Django's SECRET_KEY."""

import jwt
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken


def test_tokens_verify_with_the_jwt_signing_key(tokens, user):
    claims = jwt.decode(tokens["access"], settings.PYK8S_JWT_SIGNING_KEY, algorithms=["HS256"])

    assert claims["user_id"] == str(user.id)


def test_a_token_signed_with_secret_key_is_refused(api_client, user):
    token = AccessToken.for_user(user)
    forged = jwt.encode(dict(token.payload), settings.SECRET_KEY, algorithm="HS256")

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert api_client.get("/users/me").status_code == 401
