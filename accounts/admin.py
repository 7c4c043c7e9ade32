from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import services
from accounts.api.throttles import client_ip, login_throttle_wait
from accounts.models import User
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


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("email",)
    list_display = ("email", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
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
