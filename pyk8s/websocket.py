from typing import Any
from urllib.parse import ParseResult

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):  # type: ignore[misc]
    """Refuse WebSocket handshakes from pages of other sites (403).

    Browsers always send Origin, so a present Origin must name one of ALLOWED_HOSTS (or a
    CSRF_TRUSTED_ORIGINS entry). Programs such as the CLI send none, and need none: the
    single-use ticket in the URL (POST /ws/ticket) is what authenticates them.
    """

    def __init__(self, application: Any) -> None:
        super().__init__(application, [*settings.ALLOWED_HOSTS, *settings.CSRF_TRUSTED_ORIGINS])

    def valid_origin(self, parsed_origin: ParseResult | None) -> bool:
        return parsed_origin is None or bool(self.validate_origin(parsed_origin))
