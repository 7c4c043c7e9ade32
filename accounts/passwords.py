"""A password change ends every session of the account, wherever the change is made."""

from typing import Any

from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from accounts.services import user_sessions_end


class PasswordChangeEndsSessions:
    """Listed among AUTH_PASSWORD_VALIDATORS for the hook, not to validate.

    Django calls every validator's password_changed once a new password is saved through
    set_password: the admin's forms, `manage.py changepassword`, and any future API alike. A
    login that re-hashes the same password under newer parameters does not call it, so such
    upgrades log nobody out.
    """

    def validate(self, password: str, user: Any = None) -> None:
        pass

    def password_changed(self, password: str, user: Any = None) -> None:
        # An account never issued a token (a new one, here for its first password) has no
        # session to end.
        if isinstance(user, User) and OutstandingToken.objects.filter(user=user).exists():
            user_sessions_end(user=user)

    def get_help_text(self) -> str:
        return "Changing the password logs the account out everywhere."
