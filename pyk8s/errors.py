"""The one error type for expected failures (turned into JSON by pyk8s.error_handlers)."""

from rest_framework import status


class ApplicationError(Exception):
    """An expected failure a user can act on: the message says what to fix."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status_code: int = status.HTTP_400_BAD_REQUEST,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
        self.field = field
        self.retry_after = retry_after
