"""Terminal containers: one throwaway container per session, on its cluster's own Docker
network, through the docker CLI.

The CLI rather than a client library (docker-py): `docker run -it` under a pseudo-terminal
already does the whole attach (raw stream, exit code, resize on SIGWINCH, `--rm`) with the
same binary, DOCKER_HOST and TLS settings the worker uses for kind; docker-py would add a
dependency, its own socket handling for the hijacked attach stream, and a second way to
reach the engine. The container is what holds the user; the CLI is only the pipe to it.

Each container is labelled with its host and its relay, so that a relay's leftovers can be
found and removed (the reconciler does) when the relay died without cleaning up.
"""

import re

from django.conf import settings

from clusters.providers.runner import CommandNotFound, run_command

LABEL_HOST = "io.pyk8s.terminal.host"
LABEL_RELAY = "io.pyk8s.terminal.relay"
HOME = "/home/learner"
USER = "1000:1000"
COMMAND_TIMEOUT_SECONDS = 30
# Runs in the container, never user text: the kubeconfig comes in the environment (it must
# not be in argv, which `ps` shows on the host), is written to the writable home, then
# unset so that child processes do not inherit it.
START_SCRIPT = (
    'umask 077; mkdir -p "$HOME/.kube"; printf "%s" "$PYK8S_KUBECONFIG" > "$HOME/.kube/config"; '
    'unset PYK8S_KUBECONFIG; cd "$HOME"; '
    "if command -v bash >/dev/null 2>&1; then exec bash -l; fi; exec sh -l"
)
_NO_ENGINE = re.compile(r"Cannot connect to the Docker daemon|error during connect", re.I)


class TerminalUnavailable(Exception):
    """This deployment cannot run terminals; the message says why, for the user."""


def container_name(session_id: str) -> str:
    return f"pyk8s-terminal-{session_id}"


def terminal_run_argv(
    *, session_id: str, network: str, hostname: str, host: str, relay_id: str
) -> list[str]:
    """`docker run` for one session: the cluster's network, its internal kubeconfig (in the
    environment variable PYK8S_KUBECONFIG) and nothing else of the host."""
    tmpfs = "rw,nosuid,nodev,mode=1777,size=64m"
    return [
        settings.PYK8S_DOCKER_BINARY, "run", "--rm", "--interactive", "--tty",
        "--name", container_name(session_id),
        "--label", f"{LABEL_HOST}={host}",
        "--label", f"{LABEL_RELAY}={relay_id}",
        "--network", network,
        "--hostname", hostname,
        "--user", USER,
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--read-only",
        "--tmpfs", f"/tmp:{tmpfs}",  # noqa: S108 (the container's own /tmp)
        "--tmpfs", f"{HOME}:{tmpfs}",
        "--memory", settings.PYK8S_TERMINAL_MEMORY,
        "--cpus", settings.PYK8S_TERMINAL_CPUS,
        "--pids-limit", str(settings.PYK8S_TERMINAL_PIDS),
        "--env", f"HOME={HOME}",
        "--env", "TERM=xterm-256color",
        "--env", "PYK8S_KUBECONFIG",
        "--workdir", HOME,
        settings.PYK8S_TERMINAL_IMAGE,
        "sh", "-c", START_SCRIPT,
    ]  # fmt: skip


def terminal_check_available() -> None:
    """Raise TerminalUnavailable unless the Docker engine answers and holds the image."""
    image = settings.PYK8S_TERMINAL_IMAGE
    if not image:
        raise TerminalUnavailable("no terminal image is configured (PYK8S_TERMINAL_IMAGE)")
    argv = [settings.PYK8S_DOCKER_BINARY, "image", "inspect", "--format", "{{.Id}}", image]
    try:
        result = run_command(argv, timeout=COMMAND_TIMEOUT_SECONDS)
    except CommandNotFound:
        raise TerminalUnavailable("the cluster host has no docker CLI") from None
    if result.ok:
        return
    if _NO_ENGINE.search(result.output):
        raise TerminalUnavailable("the cluster host's Docker engine does not answer")
    raise TerminalUnavailable(f"the terminal image {image} is not on the cluster host")


def terminal_containers(*, host: str) -> dict[str, str]:
    """This host's terminal containers, running or not: name -> the relay that started it."""
    argv = [
        settings.PYK8S_DOCKER_BINARY, "ps", "--all",
        "--filter", f"label={LABEL_HOST}={host}",
        "--format", f'{{{{.Names}}}} {{{{.Label "{LABEL_RELAY}"}}}}',
    ]  # fmt: skip
    result = run_command(argv, timeout=COMMAND_TIMEOUT_SECONDS, split_stderr=True)
    if not result.ok:
        return {}
    return dict(line.split(" ", 1) for line in result.lines if line.count(" ") == 1)


def terminal_container_remove(session_id_or_name: str) -> bool:
    name = session_id_or_name
    if not name.startswith("pyk8s-terminal-"):
        name = container_name(name)
    argv = [settings.PYK8S_DOCKER_BINARY, "rm", "--force", name]
    try:
        return run_command(argv, timeout=COMMAND_TIMEOUT_SECONDS).ok
    except CommandNotFound:
        return False
