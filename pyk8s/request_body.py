"""An ASGI guard that refuses request bodies over MAX_REQUEST_BODY_BYTES with 413.

Nothing the API takes comes near the limit (kubeconfigs are only ever downloaded), while Django
would read a body of any size, spooling it to disk, before a view could say no. The guard
answers from Content-Length when it is declared, and otherwise stops reading a chunked body as
soon as it grows past the limit. Below the limit it hands the body on unchanged; Django would
have read all of it before the view anyway.
"""

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_REQUEST_BODY_BYTES = 64 * 1024
TOO_LARGE = {
    "detail": f"The request body is larger than {MAX_REQUEST_BODY_BYTES // 1024} KiB, "
    "the most this server accepts.",
    "code": "request_too_large",
}


class RequestBodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if declared_length(scope) > self.max_bytes:
            await too_large(send)
            return
        received: list[Message] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":  # the client went away
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await too_large(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            # The body as it came, then whatever else (a disconnect) the app waits for.
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)


def declared_length(scope: Scope) -> int:
    """The Content-Length header's value; 0 when there is none (the body is counted instead),
    and the server itself refuses one that is not a number."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length" and value.strip().isdigit():
            return int(value)
    return 0


async def too_large(send: Send) -> None:
    body = json.dumps(TOO_LARGE).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The unread rest of the body would otherwise be taken for the next request.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
