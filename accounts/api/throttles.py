import math
from typing import cast

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class _PerIPThrottle(SimpleRateThrottle):
    """DRF's rate syntax ("30/minute"), keyed by client IP, counted in the shared cache.

    The rate comes from our own setting, read per request: DRF freezes its
    DEFAULT_THROTTLE_RATES at import, where override_settings cannot reach it.
    """

    rate_setting: str

    def get_rate(self) -> str:
        rate: str = getattr(settings, self.rate_setting)
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_PerIPThrottle):
    scope = "login"
    rate_setting = "PYK8S_LOGIN_RATE"


class RegisterThrottle(_PerIPThrottle):
    scope = "register"
    rate_setting = "PYK8S_REGISTER_RATE"


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address as the throttles see it (X-Forwarded-For per NUM_PROXIES)."""
    return LoginThrottle().get_ident(cast(Request, request))


def login_throttle_wait(request: HttpRequest) -> int:
    """For login forms outside DRF (the admin's): 0 if this address is within
    PYK8S_LOGIN_RATE, counted together with /auth/token, else the seconds to wait."""
    throttle = LoginThrottle()
    # Our throttles key on the address alone, so they need no view.
    if throttle.allow_request(cast(Request, request), cast(APIView, None)):
        return 0
    return max(1, math.ceil(throttle.wait() or 1))
