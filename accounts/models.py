from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        # Login forms (the admin's too) find the account whatever the capitalisation typed.
        return self.get(email=normalize_email(username or ""))


def normalize_email(email: str) -> str:
    # Addresses are compared case-insensitively: "Ann@X.org" and "ann@x.org" are one account.
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Tokens carry the generation they were issued under; raising it ends every session of the
    # account at once (access tokens, refresh tokens, sockets), as a log-out-everywhere, a
    # password change or a reused refresh token must.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    # When staff let the account create clusters. Accounts are approved as they are made, but
    # one registered under PYK8S_REGISTRATION=approval waits (empty) until staff approve it.
    approved_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        permissions = [("approve_user", "Can approve accounts to create clusters")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        # Model forms (the admin's) store the address the way every other path does.
        super().clean()
        self.email = normalize_email(self.email)


class Invite(models.Model):
    """A single-use, expiring registration link for PYK8S_REGISTRATION=invite. Only a hash of
    its token is kept: the link is shown once, to the staff member who made it."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    note = models.CharField(
        max_length=200, blank=True, help_text="Who it is for, for your own records."
    )
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite {self.pk}" + (f" ({self.note})" if self.note else "")


class ApiTokenScope(models.TextChoices):
    # Neither scope manages accounts or tokens: those need a login (accounts.permissions).
    CLUSTERS_READ = "clusters:read", "clusters:read: list and watch clusters, read their logs"
    CLUSTERS_WRITE = (
        "clusters:write",
        (
            "clusters:write: also create, extend and delete clusters, read kubeconfigs, open "
            "terminals"
        ),
    )


class ApiToken(models.Model):
    """A named, long-lived credential for scripts and CI (accounts.api_tokens). Only a hash of
    its secret is kept: the secret is shown once, when it is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    scope = models.CharField(max_length=16, choices=ApiTokenScope.choices)
    # The secret's first part, not secret: finds the row, and tells tokens apart in lists.
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    hashed_key = models.CharField(max_length=150, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)  # empty: never
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_name_unique_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
