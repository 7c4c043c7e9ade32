"""POST /ws/ticket: a single-use ticket that carries the access token's grant to a socket."""

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import websocket_ticket_redeem


def _client(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_it_returns_a_ticket_with_the_grant_of_the_access_token(tokens, user):
    response = _client(tokens["access"]).post("/ws/ticket")

    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 30
    assert body["ticket"] not in tokens.values()
    granted = websocket_ticket_redeem(ticket=body["ticket"])
    access = AccessToken(tokens["access"])
    assert granted is not None
    assert (granted.user_id, granted.credential_id, granted.expires_at) == (
        user.pk,
        access["jti"],
        access["exp"],
    )


def test_a_ticket_works_once(tokens):
    ticket = _client(tokens["access"]).post("/ws/ticket/").json()["ticket"]
    websocket_ticket_redeem(ticket=ticket)

    assert websocket_ticket_redeem(ticket=ticket) is None


def test_each_request_gets_its_own_ticket(tokens):
    client = _client(tokens["access"])

    assert client.post("/ws/ticket").json()["ticket"] != client.post("/ws/ticket").json()["ticket"]


def test_it_needs_an_access_token(api_client, db):
    assert api_client.post("/ws/ticket").status_code == 401
