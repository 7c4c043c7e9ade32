"""Who may create an account, and who may then create clusters: the registration modes of
PYK8S_REGISTRATION, invite links, and staff approval.

A cluster's kubeconfig is cluster-admin on privileged kind nodes, so whoever creates one can
become root on its Docker host; these modes let the operator decide who that is.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import Invite, User, normalize_email
from pyk8s.errors import ApplicationError


class RegistrationMode(StrEnum):
    OPEN = "open"
    INVITE = "invite"
    APPROVAL = "approval"
    CLOSED = "closed"


REGISTRATION_MESSAGES = {
    RegistrationMode.OPEN: "Anyone may create an account.",
    RegistrationMode.INVITE: "Accounts are by invitation: open the invite link you were sent.",
    RegistrationMode.APPROVAL: "Anyone may create an account; staff approve it before it can "
    "create clusters.",
    RegistrationMode.CLOSED: "Registration is closed on this server: ask its operators for an "
    "account.",
}
AWAITING_APPROVAL_MESSAGE = (
    "Your account awaits approval by staff: you can create clusters once they approve it."
)


def registration_mode() -> RegistrationMode:
    return RegistrationMode(settings.PYK8S_REGISTRATION)


def user_register(*, email: str, password: str, invite: str = "") -> User:
    """A new account, as the mode allows: refused when closed, only with an unused, unexpired
    invite token when by invitation (the invite is used up in the same transaction), and not
    yet approved when approval is required."""
    mode = registration_mode()
    if mode == RegistrationMode.CLOSED:
        raise ApplicationError(
            REGISTRATION_MESSAGES[mode],
            code="registration_closed",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    if mode == RegistrationMode.INVITE and not invite:
        raise ApplicationError(
            "Registration on this server needs an invite: open the invite link staff sent you "
            "(it carries #invite=...).",
            code="invite_required",
            status_code=status.HTTP_403_FORBIDDEN,
        )
    email = normalize_email(email)
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), field="password") from exc
    approved_at = None if mode == RegistrationMode.APPROVAL else timezone.now()
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, approved_at=approved_at)
            if mode == RegistrationMode.INVITE:
                _invite_use(token=invite, user=user)
            return user
    except IntegrityError as exc:
        raise ApplicationError(
            "An account with this email already exists.", field="email", code="email_taken"
        ) from exc


@dataclass(frozen=True)
class IssuedInvite:
    invite: Invite
    # The only time the token exists outside the link: the database keeps its hash.
    token: str


def invite_create(*, created_by: User | None, note: str = "") -> IssuedInvite:
    token = secrets.token_urlsafe(32)
    invite = Invite.objects.create(
        token_hash=_token_hash(token),
        note=note,
        created_by=created_by,
        expires_at=timezone.now() + timedelta(days=settings.PYK8S_INVITE_DAYS),
    )
    return IssuedInvite(invite=invite, token=token)


def _invite_use(*, token: str, user: User) -> None:
    # One conditional update, so two registrations racing for one invite cannot both win.
    now = timezone.now()
    used = Invite.objects.filter(
        token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by=user)
    if not used:
        raise ApplicationError(
            "This invite is not valid: it is mistyped, expired or used already. Ask staff for "
            "a new invite link.",
            code="invite_invalid",
            status_code=status.HTTP_403_FORBIDDEN,
        )


def _token_hash(token: str) -> str:
    # The token has 256 random bits: a plain SHA-256 is enough, no slow hash needed.
    return hashlib.sha256(token.encode()).hexdigest()


def user_approve(*, users: "list[User]") -> int:
    """Approve the accounts still waiting; the number approved."""
    return User.objects.filter(pk__in=[user.pk for user in users], approved_at__isnull=True).update(
        approved_at=timezone.now()
    )


def user_require_approved(*, user: User) -> None:
    """Refuses what only approved accounts may do (creating or claiming a cluster)."""
    if user.approved_at is None:
        raise ApplicationError(
            AWAITING_APPROVAL_MESSAGE,
            code="approval_pending",
            status_code=status.HTTP_403_FORBIDDEN,
        )
