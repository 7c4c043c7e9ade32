from django.conf import settings
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
