"""/tokens/: API tokens made, listed and revoked by their owner, with a login."""

import hashlib
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts import api_tokens
from accounts.models import ApiToken
from tests.conftest import client_for, token_client
from tests.factories import issue_api_token


def create(client, **body):
    body = {"name": "ci", "scope": "clusters:write", **body}
    return client.post("/tokens/", body, format="json")


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(owner_client, user):
    response = create(owner_client, name="github-actions")

    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    secret = body["token"]
    assert secret.startswith("pk8s_" + body["prefix"] + ".")
    assert len(secret) == len("pk8s_") + 8 + 1 + 40
    assert (body["name"], body["scope"], body["last_used_at"]) == (
        "github-actions",
        "clusters:write",
        None,
    )
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.user == user
    assert stored.hashed_key == "sha512$$" + hashlib.sha512(secret[5:].encode()).hexdigest()
    assert secret not in str(owner_client.get("/tokens/").content)
    assert secret not in str(owner_client.get(f"/tokens/{body['id']}").content)


def test_the_expiry_defaults_to_the_longest_allowed(owner_client, settings):
    settings.PYK8S_API_TOKEN_MAX_DAYS = 30

    expires_at = datetime.fromisoformat(create(owner_client).json()["expires_at"])

    assert abs(expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_an_expiry_past_the_longest_allowed_is_refused(owner_client, settings):
    settings.PYK8S_API_TOKEN_MAX_DAYS = 30
    too_late = (timezone.now() + timedelta(days=31)).isoformat()

    response = create(owner_client, expires_at=too_late)

    assert response.status_code == 400
    assert response.json() == {
        "expires_at": ["Tokens on this server live at most 30 days (PYK8S_API_TOKEN_MAX_DAYS)."]
    }


def test_an_expiry_in_the_past_is_refused(owner_client):
    response = create(owner_client, expires_at=(timezone.now() - timedelta(hours=1)).isoformat())

    assert response.status_code == 400
    assert response.json() == {"expires_at": ["The expiry must be in the future."]}


def test_never_expiring_only_where_the_operator_allows_it(owner_client, settings):
    refused = create(owner_client, expires_at=None)
    settings.PYK8S_API_TOKEN_ALLOW_NO_EXPIRY = True
    allowed = create(owner_client, name="forever", expires_at=None)

    assert refused.status_code == 400
    assert "must expire" in refused.json()["expires_at"][0]
    assert allowed.status_code == 201
    assert allowed.json()["expires_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "clusters:admin"}, "scope"),
        ({"scope": ""}, "scope"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "bell\x07"}, "name"),
        ({"expires_at": "next week"}, "expires_at"),
    ],
)
def test_bad_input_says_which_field(owner_client, body, field):
    response = create(owner_client, **body)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_names_are_unique_among_a_users_live_tokens(owner_client, other_client):
    first = create(owner_client, name="ci")
    again = create(owner_client, name="ci")
    someone_elses = create(other_client, name="ci")
    owner_client.delete(f"/tokens/{first.json()['id']}")
    after_revoking = create(owner_client, name="ci")

    assert again.status_code == 400
    assert again.json() == {
        "name": ["You already have a token named 'ci': pick another name, or revoke that one."]
    }
    assert someone_elses.status_code == 201
    assert after_revoking.status_code == 201


def test_a_user_holds_a_bounded_number_of_tokens(owner_client, monkeypatch):
    monkeypatch.setattr(api_tokens, "MAX_TOKENS_PER_USER", 2)
    create(owner_client, name="a")
    create(owner_client, name="b")

    response = create(owner_client, name="c")

    assert response.status_code == 409
    assert response.json()["code"] == "token_limit"


def test_the_list_shows_the_users_live_tokens_with_their_use(owner_client, other_client):
    ci = create(owner_client, name="ci", scope="clusters:read").json()
    revoked = create(owner_client, name="old").json()
    owner_client.delete(f"/tokens/{revoked['id']}")
    create(other_client, name="theirs")
    token_client(ci["token"]).get("/clusters/", REMOTE_ADDR="192.0.2.7")

    listed = owner_client.get("/tokens/").json()

    assert [token["name"] for token in listed] == ["ci"]
    assert set(listed[0]) == {
        "id",
        "name",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "expired",
        "last_used_at",
        "last_used_ip",
    }
    assert listed[0]["last_used_ip"] == "192.0.2.7"
    assert listed[0]["last_used_at"] is not None
    assert listed[0]["expired"] is False


def test_an_expired_token_is_listed_as_expired_and_refused(owner_client, user):
    secret = create(owner_client).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert owner_client.get("/tokens/").json()[0]["expired"] is True
    assert token_client(secret).get("/clusters/").status_code == 401


def test_a_revoked_token_is_refused_at_its_next_request(owner_client):
    created = create(owner_client).json()
    client = token_client(created["token"])
    assert client.get("/clusters/").status_code == 200

    assert owner_client.delete(f"/tokens/{created['id']}").status_code == 204
    response = client.get("/clusters/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid API token: unknown, expired or revoked.",
        "code": "token_not_valid",
    }
    assert owner_client.delete(f"/tokens/{created['id']}").status_code == 404


def test_revoke_all_revokes_only_the_users_tokens(owner_client, other_client):
    mine = [create(owner_client, name=name).json()["token"] for name in ("a", "b")]
    theirs = create(other_client).json()["token"]

    response = owner_client.post("/tokens/revoke-all")

    assert response.json() == {"revoked": 2}
    assert [token_client(s).get("/clusters/").status_code for s in mine] == [401, 401]
    assert token_client(theirs).get("/clusters/").status_code == 200


def test_another_users_token_is_not_found(owner_client, other_client):
    theirs = create(other_client).json()

    assert owner_client.get(f"/tokens/{theirs['id']}").status_code == 404
    assert owner_client.delete(f"/tokens/{theirs['id']}").status_code == 404
    assert token_client(theirs["token"]).get("/clusters/").status_code == 200


def test_a_password_change_keeps_the_tokens_and_deactivation_kills_them(owner_client, user):
    secret = create(owner_client).json()["token"]

    user.set_password("another-long-passphrase-42")
    user.save()
    assert token_client(secret).get("/clusters/").status_code == 200

    user.is_active = False
    user.save()
    assert token_client(secret).get("/clusters/").status_code == 401


@pytest.mark.parametrize("scope", ["clusters:read", "clusters:write"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/tokens/"),
        ("post", "/tokens/"),
        ("post", "/tokens/revoke-all"),
        ("delete", "/tokens/1"),
        ("post", "/auth/logout-all"),
    ],
)
def test_no_token_manages_tokens_or_the_account(user, scope, method, path):
    issued = issue_api_token(user, scope=scope)

    response = getattr(token_client(issued.secret), method)(path, {}, format="json")

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "token_not_allowed"
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_tokens_need_a_login(api_client, user):
    client_for(user)  # the account exists and can log in

    assert api_client.get("/tokens/").status_code == 401
    assert api_client.post("/tokens/", {"name": "x"}, format="json").status_code == 401
