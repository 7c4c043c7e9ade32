from rest_framework.throttling import SimpleRateThrottle
from rest_framework.request import Request
from rest_framework.views import APIView


class _PerIPThrottle(SimpleRateThrottle):
    """DRF's rate syntax ("30/minute"), keyed by client IP, counted in the shared cache."""

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_PerIPThrottle):
    scope = "login"


class RegisterThrottle(_PerIPThrottle):
    scope = "register"
