"""The object every command receives as ctx.obj: settings, output and the API client."""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit

from cli.config import Config, config_path, is_private, load_config, save_config
from cli.errors import CliError, ExitCode
from cli.terminal import Terminal

if TYPE_CHECKING:
    from cli.api import ApiClient

API_URL_ENV = "PYK8S_API_URL"
TOKEN_ENV = "PYK8S_TOKEN"  # noqa: S105 (the variable's name, not a token)


def is_loopback_host(host: str) -> bool:
    """Whether `host` is this machine, where plain HTTP never crosses a network."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Application(Terminal):
    def __init__(self) -> None:
        self.config_path = config_path()
        self._config: Config | None = None
        self._api: ApiClient | None = None
        # `auth login --api-url` beats the environment and the file, for that one command.
        self.api_url_option: str | None = None
        # --insecure-http: the user accepts plain HTTP to another machine for this command.
        self.insecure_http = False
        self._warned_insecure_http = False

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            if not is_private(self.config_path):
                self.display_warning(
                    f"{self.config_path} can be read by other users and holds your tokens; "
                    f"run `chmod 600 {self.config_path}`."
                )
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        self._config = config

    def save_config(self) -> None:
        save_config(self.config_path, self.config)

    @property
    def api_url(self) -> str:
        url = self.api_url_option or os.environ.get(API_URL_ENV) or self.config.api_url
        url = url.rstrip("/")
        if not url.startswith(("http://", "https://")):
            self.abort(
                f"The API URL {url!r} must start with http:// or https:// "
                f"(from --api-url, {API_URL_ENV} or {self.config_path}).",
                ExitCode.USAGE,
            )
        if self.is_plain_http_to_another_machine(url):
            self._allow_insecure_http(url)
        return url

    @staticmethod
    def is_plain_http_to_another_machine(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme == "http" and not is_loopback_host(parts.hostname or "")

    def _allow_insecure_http(self, url: str) -> None:
        # A login with --insecure-http remembers its server, so later commands need no flag.
        if not (self.insecure_http or url == self.config.insecure_http_url):
            self.abort(
                f"The API URL {url} is plain HTTP to another machine: your password and tokens "
                "would cross the network unencrypted. Use https://, or pass --insecure-http if "
                "you accept that.",
                ExitCode.USAGE,
            )
        if not self._warned_insecure_http:
            self._warned_insecure_http = True
            self.display_warning(
                f"Talking to {url} over plain HTTP: your password and tokens cross the network "
                "unencrypted."
            )

    @property
    def env_token(self) -> str | None:
        return os.environ.get(TOKEN_ENV) or None

    @property
    def api(self) -> ApiClient:
        if self._api is None:
            from cli.api import ApiClient

            self._api = ApiClient(self)
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    def abort(self, message: str, code: ExitCode = ExitCode.ERROR) -> NoReturn:
        raise CliError(message, code)
