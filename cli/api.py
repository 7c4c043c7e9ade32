"""The REST client: bearer tokens, automatic refresh, and one-line errors with exit codes."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from typing import TYPE_CHECKING, Any

from cli.config import config_lock, load_config
from cli.errors import CliError, ExitCode

if TYPE_CHECKING:
    import httpx

    from cli.application import Application

Cluster = dict[str, Any]

# Refresh a little before the access token expires, so it cannot expire in flight.
EXPIRY_MARGIN_SECONDS = 30

# Server field names as the options a user typed, so a 400 says which option to fix.
OPTION_FOR_FIELD = {
    "name": "--name",
    "ttl_minutes": "--ttl",
    "workers": "--workers",
    "kubernetes_version": "--k8s-version",
    "minutes": "--minutes",
    "email": "--email",
    "invite": "--invite",
}


class ApiClient:
    def __init__(self, app: Application) -> None:
        import httpx

        self.app = app
        self.base_url = app.api_url
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(30.0, connect=10.0),
            headers={"User-Agent": "pyk8s-cli", "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """A 2xx response; anything else becomes a CliError with the server's message."""
        token = self.access_token() if authenticated else None
        response = self._send(method, path, json=json, params=params, token=token)
        if response.status_code == 401 and authenticated:
            # Revoked, or expired despite the margin (clock skew): one refresh, one retry.
            self.refresh()
            response = self._send(method, path, json=json, params=params, token=self.access_token())
        if response.is_success:
            return response
        raise self._error(response)

    def access_token(self) -> str:
        if token := self.app.env_token:
            return token
        config = self.app.config
        # Tokens are only ever sent to the server that issued them.
        if not (config.access_token and config.refresh_token) or config.api_url != self.base_url:
            raise CliError(
                f"Not logged in to {self.base_url}. Run `pyk8s auth login`.", ExitCode.AUTH
            )
        if _expires_soon(config.access_token):
            self.refresh()
        return self.app.config.access_token or ""

    def refresh(self) -> None:
        """Exchange the refresh token for a new pair and save it (refresh tokens rotate)."""
        if self.app.env_token:
            raise CliError(
                "The server refused the token in PYK8S_TOKEN (expired or revoked): "
                "set a fresh one, or unset it to use your login.",
                ExitCode.AUTH,
            )
        path = self.app.config_path
        with config_lock(path):
            saved = load_config(path)
            refreshed_elsewhere = saved.access_token != self.app.config.access_token
            if refreshed_elsewhere and saved.access_token and not _expires_soon(saved.access_token):
                self.app.config = saved
                return
            response = (
                self._send("POST", "/auth/token/refresh", json={"refresh": saved.refresh_token})
                if saved.refresh_token
                else None
            )
            if response is None or response.status_code == 401:
                saved.access_token = saved.refresh_token = None
                self.app.config = saved
                self.app.save_config()
                raise CliError(
                    "Your session has expired or was ended. Log in again with `pyk8s auth login`.",
                    ExitCode.AUTH,
                )
            if not response.is_success:
                raise self._error(response)
            tokens = response.json()
            saved.access_token, saved.refresh_token = tokens["access"], tokens["refresh"]
            self.app.config = saved
            self.app.save_config()

    def clusters(self, *, labels: tuple[str, ...] = ()) -> list[Cluster]:
        """All the user's clusters, newest first (every page); with `labels` (key=value),
        only those carrying all of them."""
        clusters: list[Cluster] = []
        page = 1
        while True:
            params = {"page": page, "label": list(labels)}
            body = self.request("GET", "/clusters/", params=params).json()
            clusters.extend(body["results"])
            if not body.get("next"):
                return clusters
            page += 1

    def cluster(self, cluster_id: str) -> Cluster:
        result: Cluster = self.request("GET", f"/clusters/{cluster_id}/").json()
        return result

    def cluster_named(self, name: str) -> Cluster:
        for cluster in self.clusters():
            if cluster["name"] == name:
                return cluster
        raise CliError(
            f"You have no cluster named {name!r}; `pyk8s cluster list` shows yours.",
            ExitCode.NOT_FOUND,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> httpx.Response:
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self._http.request(method, path, json=json, params=params, headers=headers)
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise CliError(
                f"Cannot reach the PyK8s-Lab API at {self.base_url} ({reason}). Is the server "
                "running? Set the address with `pyk8s auth login --api-url` or PYK8S_API_URL.",
                ExitCode.UNREACHABLE,
            ) from exc
        except httpx.InvalidURL as exc:
            raise CliError(
                f"The API URL {self.base_url!r} is not valid: {exc}.", ExitCode.USAGE
            ) from exc

    def _error(self, response: httpx.Response) -> CliError:
        status = response.status_code
        body = _json_body(response)
        if status == 400 and isinstance(body, dict) and "detail" not in body:
            return CliError(_field_errors(body), ExitCode.USAGE)
        detail = body.get("detail") if isinstance(body, dict) else None
        if status >= 500:
            return CliError(f"The server failed (HTTP {status}); try again later. {detail or ''}")
        request = response.request
        # Not the API's error shape, or a 404 for anything but a cluster (the only thing
        # that can go missing): the API URL points somewhere else.
        if not isinstance(detail, str) or (status == 404 and not _is_object_path(request.url.path)):
            return CliError(
                f"The server answered HTTP {status} to {request.method} {request.url.path}; "
                f"is {self.base_url} a PyK8s-Lab API?"
            )
        code = {
            400: ExitCode.USAGE,
            401: ExitCode.AUTH,
            403: ExitCode.AUTH,
            404: ExitCode.NOT_FOUND,
        }.get(status, ExitCode.ERROR)
        return CliError(detail, code)


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _is_object_path(path: str) -> bool:
    """A cluster's or a token's: the things that can go missing."""
    return bool(re.search(r"/(clusters|tokens)/[^/]+", path))


def _field_errors(body: dict[str, Any]) -> str:
    problems = []
    for field, messages in body.items():
        text = " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
        problems.append(f"{OPTION_FOR_FIELD.get(field, field)}: {text}")
    return "; ".join(problems)


def _expires_soon(token: str) -> bool:
    """Read the token's expiry without verifying it: only the server can, and will."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"]) < time.time() + EXPIRY_MARGIN_SECONDS
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        return False
