"""Request bodies over 64 KiB are refused with 413 before they are read: nothing the API takes
is that large (kubeconfigs are never uploaded), and Django would spool any size to disk."""

import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from pyk8s.asgi import application

LIMIT = 64 * 1024
TOO_LARGE = {
    "detail": "The request body is larger than 64 KiB, the most this server accepts.",
    "code": "request_too_large",
}


def http_scope(headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/users/register",
        "raw_path": b"/users/register",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def post(headers, chunks: list[bytes]) -> tuple[int, dict, bytes]:
    """Send the body in chunks (stopping when the app answers) and return its answer."""
    communicator = ApplicationCommunicator(application, http_scope(headers))
    for n, chunk in enumerate(chunks):
        more = n < len(chunks) - 1
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": more})
    start = await communicator.receive_output(timeout=5)
    body = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)
    return start["status"], dict(start["headers"]), body["body"]


@pytest.mark.django_db(transaction=True)
def test_a_declared_length_over_the_limit_is_refused_unread():
    # No body is sent at all: the answer comes from the header alone.
    status, headers, body = async_to_sync(post)([(b"content-length", str(LIMIT + 1).encode())], [])

    assert status == 413
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body) == TOO_LARGE


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_refused_as_soon_as_it_grows_past_the_limit():
    # The app answers after the ninth 8 KiB chunk; the tenth is never asked for.
    chunks = [b"x" * 8192] * 9

    status, _, body = async_to_sync(post)([(b"transfer-encoding", b"chunked")], chunks)

    assert status == 413
    assert json.loads(body) == TOO_LARGE


@pytest.mark.django_db(transaction=True)
def test_a_body_within_the_limit_reaches_the_api():
    payload = json.dumps({"email": "not-an-email", "password": "x" * 60_000}).encode()
    assert len(payload) < LIMIT

    status, _, body = async_to_sync(post)(
        [(b"content-length", str(len(payload)).encode())], [payload[:30_000], payload[30_000:]]
    )

    assert status == 400
    assert "email" in json.loads(body)
