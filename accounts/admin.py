from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts import api_tokens, registration, services
from accounts.api.throttles import client_ip, login_throttle_wait
from accounts.models import ApiToken, Invite, User
from pyk8s.errors import ApplicationError


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login, within the same per-address rate and per-account failure limits as
    /auth/token: staff passwords are the ones most worth guessing."""

    def clean(self) -> dict[str, Any]:
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not (email and password and self.request):
            return self.cleaned_data
        if wait := login_throttle_wait(self.request):
            raise ValidationError(
                f"Too many logins from your address. Try again in {wait} seconds.",
                code="throttled",
            )
        try:
            self.user_cache = services.user_authenticate(
                email=email, password=password, client_ip=client_ip(self.request)
            )
        except ApplicationError as exc:
            if exc.code == "invalid_credentials":
                raise self.get_invalid_login_error() from exc
            if exc.code == "login_locked":
                raise ValidationError(exc.message, code=exc.code) from exc
            raise  # a busy server: a 503 page (pyk8s.error_handlers)
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = AdminLoginForm


class UserCreateForm(UserCreationForm[User]):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm[User]):
    class Meta:
        model = User
        fields = ("email",)


class ApprovalFilter(admin.SimpleListFilter):
    title = "approval"
    parameter_name = "approval"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "Awaiting approval"), ("approved", "Approved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "pending":
            return queryset.filter(approved_at__isnull=True)
        if self.value() == "approved":
            return queryset.filter(approved_at__isnull=False)
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "approved", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = (ApprovalFilter, "is_staff", "is_superuser", "is_active")
    search_fields = ("email",)
    readonly_fields = ("date_joined", "last_login", "approved_at")
    actions = ["approve"]
    fieldsets = (
        (None, {"fields": ("email", "password", "approved_at")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # Without these, the right to change users would be the right to become a superuser:
    # by ticking the box on oneself, or by setting a superuser's password.
    PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.PRIVILEGE_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # A deactivated account's API tokens die with it, and their sockets close; its
            # logins are refused from their next request.
            api_tokens.api_tokens_revoke(tokens=obj.api_tokens.all())

    @admin.display(description="approved", boolean=True, ordering="approved_at")
    def approved(self, obj: User) -> bool:
        return obj.approved_at is not None

    # Approval hands out root on a Docker host (docs/operations.md, "Trust model"): a
    # permission of its own, not every staff member who may edit users.
    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.approve_user")

    @admin.action(description="Approve: may create clusters", permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = registration.user_approve(users=list(queryset))
        self.message_user(request, f"{done} account(s) approved.", messages.SUCCESS)


_ISSUED_INVITE_ATTRIBUTE = "pyk8s_issued_invite"


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin[Invite]):
    """Invites are made and revoked (deleted), never edited. The link is shown once, on the
    page that follows its creation: only its hash is stored."""

    list_display = ("__str__", "state", "created_by", "created_at", "expires_at", "used_by")
    fields = ("note",)

    @admin.display(description="state")
    def state(self, obj: Invite) -> str:
        if obj.used_at:
            return "used"
        return "expired" if obj.expires_at <= timezone.now() else "unused"

    def has_change_permission(self, request: HttpRequest, obj: Invite | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Invite, form: Any, change: bool) -> None:
        issued = registration.invite_create(created_by=cast(User, request.user), note=obj.note)
        obj.pk, obj.expires_at = issued.invite.pk, issued.invite.expires_at
        # For response_add, on this request only: the token is never stored.
        setattr(request, _ISSUED_INVITE_ATTRIBUTE, issued.token)

    def response_add(
        self, request: HttpRequest, obj: Invite, post_url_continue: str | None = None
    ) -> HttpResponse:
        token = getattr(request, _ISSUED_INVITE_ATTRIBUTE)
        link = request.build_absolute_uri(f"/register/#invite={token}")
        context = {
            **self.admin_site.each_context(request),
            "title": "Invite created",
            "opts": self.opts,
            "invite": obj,
            "link": link,
        }
        return TemplateResponse(request, "admin/accounts/invite/created.html", context)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Staff see and revoke API tokens, never read them: only a hash of each is kept."""

    list_display = (
        "name",
        "user",
        "scope",
        "prefix",
        "state",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
    )
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user",)
    fields = list_display[:4] + list_display[5:] + ("revoked_at",)
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="state")
    def state(self, obj: ApiToken) -> str:
        if obj.revoked_at:
            return "revoked"
        return "expired" if obj.expired else "active"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token is its owner's to make: the secret is shown to whoever makes it

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked, not deleted: the row keeps who had what, and when

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.delete_apitoken")

    @admin.action(
        description="Revoke: stop working now, close their sockets", permissions=["revoke"]
    )
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = api_tokens.api_tokens_revoke(tokens=queryset)
        self.message_user(request, f"{done} token(s) revoked.", messages.SUCCESS)
