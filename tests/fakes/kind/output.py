"""What kind prints and writes, as its sources do: errors (cmd/kind/app/main.go), progress
lines (pkg/internal/cli/status.go when stderr is not a terminal) and kubeconfigs
(pkg/cluster/internal/kubeconfig)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

import yaml

API_SERVER_INTERNAL_PORT = 6443
DOCKER_DOWN = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?\n"
)
SALUTATIONS = (
    "Have a nice day! 👋",
    "Thanks for using kind! 😊",
    "Not sure what to do next? 😅  Check out https://kind.sigs.k8s.io/docs/user/quick-start/",
    "Have a question, bug, or feature request? Let us know! https://kind.sigs.k8s.io/#community 🙂",
)


class KindError(Exception):
    """A failure as kind prints it: `ERROR: <message>`, then any failed command's output."""

    def __init__(self, message: str, command_output: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.command_output = command_output

    def wrap(self, prefix: str) -> KindError:
        return KindError(f"{prefix}: {self.message}", self.command_output)


_UNSAFE_SHELL_CHARS = re.compile(r"[^\w@%+=:,./-]", re.ASCII)


def shell_quote(arg: str) -> str:
    """alessio/shellescape.Quote, which kind uses to print failed commands."""
    if not arg:
        return "''"
    if _UNSAFE_SHELL_CHARS.search(arg):
        return "'" + arg.replace("'", "'\"'\"'") + "'"
    return arg


def command_failed(argv: Sequence[str], output: str, status: int = 1) -> KindError:
    """kind's exec.RunError: the pretty command, its exit status and what it printed."""
    pretty = " ".join(shell_quote(arg) for arg in argv)
    return KindError(f'command "{pretty}" failed with error: exit status {status}', output)


def go_quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def format_go_duration(seconds: float) -> str:
    """time.Duration.Round(time.Second).String(), as kind prints wait times."""
    whole = int(abs(seconds) + 0.5)
    sign = "-" if seconds < 0 and whole else ""
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def kubeconfig_for(record: dict[str, Any], *, internal: bool) -> dict[str, Any]:
    """What kind derives from the node's admin.conf: everything named kind-<cluster>."""
    key = f"kind-{record['name']}"
    if internal:
        host = next(node["name"] for node in record["nodes"] if node["role"] == "control-plane")
        server = f"https://{host}:{API_SERVER_INTERNAL_PORT}"
    else:
        api = record["api_server"]
        server = f"https://{join_host_port(api['address'], api['port'])}"
    credentials = record["credentials"]
    return {
        "apiVersion": "v1",
        "clusters": [
            {
                "cluster": {
                    "certificate-authority-data": credentials["certificate-authority-data"],
                    "server": server,
                },
                "name": key,
            }
        ],
        "contexts": [{"context": {"cluster": key, "user": key}, "name": key}],
        "current-context": key,
        "kind": "Config",
        "preferences": {},
        "users": [
            {
                "name": key,
                "user": {
                    "client-certificate-data": credentials["client-certificate-data"],
                    "client-key-data": credentials["client-key-data"],
                },
            }
        ],
    }


def dump_yaml(data: Any) -> str:
    # sigs.k8s.io/yaml sorts keys and never folds long lines, like this.
    return yaml.safe_dump(
        data, sort_keys=True, default_flow_style=False, allow_unicode=True, width=1 << 30
    )


class Logger:
    """kind's CLI logger: everything but command results goes to stderr, a line at a time."""

    def info(self, message: str) -> None:
        sys.stderr.write(message if message.endswith("\n") else message + "\n")
        sys.stderr.flush()

    def error(self, error: KindError) -> None:
        self.info(f"ERROR: {error.message}")
        if error.command_output is not None:
            self.info(f"\nCommand Output: {error.command_output}")


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


class Status:
    """pkg/internal/cli/status.go when stderr is not a terminal: no spinner, one line each."""

    def __init__(self, logger: Logger) -> None:
        self.logger = logger
        self.current = ""

    def start(self, status: str) -> None:
        self.end(True)
        self.current = status
        self.logger.info(f" • {status}  ...")

    def end(self, success: bool) -> None:
        if not self.current:
            return
        self.logger.info(f" {'✓' if success else '✗'} {self.current}")
        self.current = ""
