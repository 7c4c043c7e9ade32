"""The /ws consumer: who may connect, and who hears what."""

import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import api_tokens, services
from accounts.models import User
from accounts.services import (
    access_token_revoke,
    user_logout,
    user_sessions_end,
    websocket_ticket_issue,
    websocket_ticket_redeem,
)
from clusters import events
from clusters.consumers import CLOSE_UNAUTHORIZED
from pyk8s.asgi import application
from tests.factories import ClusterFactory, UserFactory, issue_api_token

pytestmark = pytest.mark.django_db(transaction=True)


def access_for(user, lifetime: timedelta | None = None) -> AccessToken:
    token = RefreshToken.for_user(user).access_token
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return token


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


def ticket_for(access: AccessToken) -> str:
    user = User.objects.get(pk=access["user_id"])
    return websocket_ticket_issue(user=user, credential=access)


async def connect(credential: AccessToken | str | None, origin: bytes | None = None):
    """A socket opened with a ticket for this access token, or with this query string."""
    if isinstance(credential, AccessToken):
        credential = f"ticket={await database_sync_to_async(ticket_for)(credential)}"
    path = "/ws" if credential is None else f"/ws?{credential}"
    headers = [(b"origin", origin)] if origin else []
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    return communicator, connected


async def closed_with(communicator) -> int:
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close"
    return int(message["code"])


def used_ticket() -> str:
    ticket = ticket_for(access_for(UserFactory.create()))
    assert websocket_ticket_redeem(ticket=ticket) is not None
    return f"ticket={ticket}"


def expired_tokens_ticket() -> str:
    return f"ticket={ticket_for(access_for(UserFactory.create(), lifetime=timedelta(seconds=-1)))}"


def revoked_tokens_ticket() -> str:
    token = access_for(UserFactory.create())
    ticket = ticket_for(token)
    access_token_revoke(token)  # by a logout
    return f"ticket={ticket}"


def ended_sessions_ticket() -> str:
    user = UserFactory.create()
    ticket = ticket_for(access_for(user))
    user_sessions_end(user=user)
    return f"ticket={ticket}"


def deactivated_users_ticket() -> str:
    user = UserFactory.create()
    ticket = ticket_for(access_for(user))
    User.objects.filter(pk=user.pk).update(is_active=False)
    return f"ticket={ticket}"


def access_token_in_the_url() -> str:
    return f"token={access_for(UserFactory.create())}"


@pytest.mark.parametrize(
    "make_query",
    [
        lambda: None,
        lambda: "ticket=",
        lambda: "ticket=made-up",
        used_ticket,
        expired_tokens_ticket,
        revoked_tokens_ticket,
        ended_sessions_ticket,
        deactivated_users_ticket,
        access_token_in_the_url,  # tokens stay out of URLs, and so out of access logs
    ],
    ids=[
        "none", "empty", "unknown", "used", "expired-token", "revoked-token", "ended-session",
        "inactive", "token",
    ],
)  # fmt: skip
def test_it_closes_without_a_valid_ticket(make_query):
    query = make_query()

    async def scenario():
        communicator, _ = await connect(query)
        assert await closed_with(communicator) == CLOSE_UNAUTHORIZED
        await communicator.disconnect()

    run(scenario)


def test_a_ticket_lasts_seconds(monkeypatch):
    monkeypatch.setattr(services, "WEBSOCKET_TICKET_SECONDS", 1)
    ticket = ticket_for(access_for(UserFactory.create()))
    time.sleep(1.5)

    async def scenario():
        communicator, _ = await connect(f"ticket={ticket}")
        assert await closed_with(communicator) == CLOSE_UNAUTHORIZED
        await communicator.disconnect()

    run(scenario)


def test_it_refuses_a_page_of_another_site():
    token = access_for(UserFactory.create())

    async def scenario():
        communicator, connected = await connect(token, origin=b"https://evil.example")
        assert not connected
        await communicator.disconnect()

    run(scenario)


def test_it_accepts_its_own_origin_and_programs_without_origin():
    token = access_for(UserFactory.create())

    async def scenario():
        for origin in (b"http://localhost:8000", None):
            communicator, connected = await connect(token, origin=origin)
            assert connected
            assert await communicator.receive_nothing(timeout=0.2)
            await communicator.disconnect()

    run(scenario)


def test_owner_hears_their_events_and_nobody_else_does():
    alice, bob = UserFactory.create(), UserFactory.create()
    cluster = ClusterFactory.create(owner=alice)
    alice_token, bob_token = access_for(alice), access_for(bob)

    async def scenario():
        alice_socket, _ = await connect(alice_token)
        bob_socket, _ = await connect(bob_token)
        await asyncio.sleep(0.1)  # let both join their groups
        await database_sync_to_async(events.cluster_changed)(cluster)
        event = await alice_socket.receive_json_from(timeout=3)
        assert event["type"] == "cluster.status.changed"
        assert event["cluster"]["id"] == str(cluster.id)
        assert event["cluster"]["name"] == cluster.name
        assert await bob_socket.receive_nothing(timeout=0.5)
        await alice_socket.disconnect()
        await bob_socket.disconnect()

    run(scenario)


def test_every_socket_of_the_owner_hears_the_event():
    alice = UserFactory.create()
    cluster = ClusterFactory.create(owner=alice)
    tokens = [access_for(alice) for _ in range(3)]

    async def scenario():
        sockets = [(await connect(token))[0] for token in tokens]
        await asyncio.sleep(0.1)
        await database_sync_to_async(events.cluster_log)(cluster, ["line 1", "line 2"])
        for socket in sockets:
            event = await socket.receive_json_from(timeout=3)
            assert event == {
                "type": "cluster.log",
                "cluster_id": str(cluster.id),
                "lines": ["line 1", "line 2"],
            }
            await socket.disconnect()

    run(scenario)


def test_the_socket_closes_when_its_token_expires():
    token = access_for(UserFactory.create(), lifetime=timedelta(seconds=3))

    async def scenario():
        communicator, connected = await connect(token)
        assert connected
        assert await communicator.receive_nothing(timeout=0.5)  # open while the token is valid
        message = await communicator.receive_output(timeout=6)
        assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHORIZED}
        await communicator.disconnect()

    run(scenario)


def test_a_logout_closes_the_sockets_opened_with_its_access_token():
    alice = UserFactory.create()
    cluster = ClusterFactory.create(owner=alice)
    refresh = RefreshToken.for_user(alice)
    logged_out, other_session = refresh.access_token, access_for(alice)

    async def scenario():
        revoked_socket, _ = await connect(logged_out)
        open_socket, _ = await connect(other_session)
        await asyncio.sleep(0.1)
        await database_sync_to_async(user_logout)(
            user=alice, refresh=str(refresh), access=logged_out
        )
        assert await closed_with(revoked_socket) == CLOSE_UNAUTHORIZED
        await database_sync_to_async(events.cluster_changed)(cluster)
        event = await open_socket.receive_json_from(timeout=3)  # another session's stays open
        assert event["cluster"]["id"] == str(cluster.id)
        await open_socket.disconnect()

    run(scenario)


def test_ending_every_session_closes_every_socket_of_the_account():
    alice, bob = UserFactory.create(), UserFactory.create()
    cluster = ClusterFactory.create(owner=bob)
    tokens = [access_for(alice), access_for(alice), access_for(bob)]

    async def scenario():
        laptop, _ = await connect(tokens[0])
        phone, _ = await connect(tokens[1])
        bobs, _ = await connect(tokens[2])
        await asyncio.sleep(0.1)
        await database_sync_to_async(user_sessions_end)(user=alice)
        assert await closed_with(laptop) == CLOSE_UNAUTHORIZED
        assert await closed_with(phone) == CLOSE_UNAUTHORIZED
        await database_sync_to_async(events.cluster_changed)(cluster)
        event = await bobs.receive_json_from(timeout=3)  # another account's stays open
        assert event["cluster"]["id"] == str(cluster.id)
        await bobs.disconnect()

    run(scenario)


def test_an_api_tokens_socket_outlives_sessions_and_closes_when_the_token_is_revoked():
    alice = UserFactory.create()
    cluster = ClusterFactory.create(owner=alice)
    token = issue_api_token(alice, scope="clusters:read").token

    async def scenario():
        ticket = await database_sync_to_async(websocket_ticket_issue)(user=alice, credential=token)
        socket, connected = await connect(f"ticket={ticket}")
        assert connected
        await asyncio.sleep(0.1)
        # A log-out-everywhere (or a password change) ends logins, not API tokens.
        await database_sync_to_async(user_sessions_end)(user=alice)
        await database_sync_to_async(events.cluster_changed)(cluster)
        event = await socket.receive_json_from(timeout=3)
        assert event["cluster"]["id"] == str(cluster.id)

        await database_sync_to_async(api_tokens.api_token_revoke)(token=token)
        assert await closed_with(socket) == CLOSE_UNAUTHORIZED

    run(scenario)


def test_a_ticket_of_a_token_revoked_since_opens_nothing():
    alice = UserFactory.create()
    token = issue_api_token(alice, scope="clusters:read").token
    ticket = websocket_ticket_issue(user=alice, credential=token)
    api_tokens.api_token_revoke(token=token)

    assert websocket_ticket_redeem(ticket=ticket) is None
