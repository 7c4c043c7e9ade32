import math
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

# Not at run time: rest_framework.views would import this module back, through the schema
# generator and the authentication classes.
if TYPE_CHECKING:
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

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_PerIPThrottle):
    scope = "login"
    rate_setting = "PYK8S_LOGIN_RATE"


class RegisterThrottle(_PerIPThrottle):
    scope = "register"
    rate_setting = "PYK8S_REGISTER_RATE"


class ApiTokenGuessThrottle(_PerIPThrottle):
    """Counts requests with an invalid API token per address. Past the rate the address gets
    429 for every API token, valid ones too: else a guesser would still learn which guess
    was right."""

    scope = "api-token-guess"
    rate_setting = "PYK8S_API_TOKEN_GUESS_RATE"

    def wait_before_any(self, request: Request) -> float | None:
        """None if this address may present an API token now; else the seconds to wait."""
        num_requests, duration = self.parse_rate(self.get_rate())
        self.key = self.get_cache_key(request, cast("APIView", None))
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - (duration or 0):
            self.history.pop()
        return self.wait() if len(self.history) >= (num_requests or 0) else None

    def count_failure(self, request: Request) -> None:
        self.wait_before_any(request)
        self.throttle_success()  # DRF's name for "add this request to the history"


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address as the throttles see it (X-Forwarded-For per NUM_PROXIES)."""
    return LoginThrottle().get_ident(cast(Request, request))


def login_throttle_wait(request: HttpRequest) -> int:
    """For login forms outside DRF (the admin's): 0 if this address is within
    PYK8S_LOGIN_RATE, counted together with /auth/token, else the seconds to wait."""
    throttle = LoginThrottle()
    # Our throttles key on the address alone, so they need no view.
    if throttle.allow_request(cast(Request, request), cast("APIView", None)):
        return 0
    return max(1, math.ceil(throttle.wait() or 1))
