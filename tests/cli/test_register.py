"""`pyk8s auth register` as each registration mode allows, and the approval an account may
then wait for: the server's message, one line, never a traceback."""

import pytest

from accounts import registration
from accounts.models import Invite, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def register(run, server_url):
    def invoke(*extra: str, password: str = PASSWORD):
        return run(
            "auth",
            "register",
            "--api-url",
            server_url,
            "--email",
            "ann@example.org",
            "--password-stdin",
            *extra,
            input=f"{password}\n",
        )

    return invoke


def test_open_registration_creates_an_account(register, settings, server_url):
    settings.PYK8S_REGISTRATION = "open"

    result = register()

    assert result.exit_code == 0, result.output
    assert result.stdout == "Account ann@example.org created on " + server_url + ".\n"
    assert "approve" not in result.stderr
    assert User.objects.get(email="ann@example.org").check_password(PASSWORD)


def test_closed_registration_says_so_before_asking_anything(run, server_url, settings):
    settings.PYK8S_REGISTRATION = "closed"

    result = run("auth", "register", "--api-url", server_url)

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: Registration is closed on this server: ask its operators for an account.\n"
    )
    assert not User.objects.exists()


def test_invite_registration_needs_the_link(register, settings):
    settings.PYK8S_REGISTRATION = "invite"

    result = register()

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: Accounts are by invitation: open the invite link you were sent. "
        "Pass the link with --invite.\n"
    )


def test_the_invite_link_itself_is_accepted(register, settings, server_url):
    settings.PYK8S_REGISTRATION = "invite"
    token = registration.invite_create(created_by=None).token

    result = register("--invite", f"{server_url}/register/#invite={token}")

    assert result.exit_code == 0, result.output
    assert Invite.objects.get().used_by == User.objects.get(email="ann@example.org")


def test_a_used_invite_is_refused_with_the_servers_message(register, settings):
    settings.PYK8S_REGISTRATION = "invite"
    token = registration.invite_create(created_by=None).token
    Invite.objects.update(used_at="2026-01-01T00:00:00Z")

    result = register("--invite", token)

    assert result.exit_code == 3
    assert "This invite is not valid" in result.stderr
    assert "Traceback" not in result.output


def test_approval_registration_warns_that_staff_must_approve(register, settings):
    settings.PYK8S_REGISTRATION = "approval"

    result = register()

    assert result.exit_code == 0, result.output
    assert "Staff approve new accounts before they can create clusters" in result.stderr


def test_a_pending_account_is_told_why_it_cannot_create(run, server_url):
    pending = UserFactory(approved_at=None)
    login = run(
        "auth", "login", "--api-url", server_url, "--email", pending.email, "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert login.exit_code == 0, login.output

    whoami = run("auth", "whoami")
    result = run("cluster", "create", "--name", "dev")

    assert "awaits approval by staff" in whoami.stderr
    assert result.exit_code == 3
    assert result.stderr == (
        "Error: Your account awaits approval by staff: you can create clusters once they "
        "approve it.\n"
    )
