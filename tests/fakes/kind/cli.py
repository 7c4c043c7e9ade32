"""One `kind` invocation: the four commands PyK8s-Lab runs (create cluster, delete cluster,
get clusters, get kubeconfig), with kind's texts and exit codes, each logged with its start
and end; and the two `docker network` commands it runs itself. Anything else is refused
loudly: it is not simulated, so a test that needs it must not pass by accident."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from .create import CLUSTER_LABEL, docker_exec_argv, run_create_cluster
from .output import (
    DOCKER_DOWN,
    KindError,
    Logger,
    command_failed,
    dump_yaml,
    go_quote,
    kubeconfig_for,
    out,
)
from .state import (
    ANY_COMMAND_EFFECTS,
    CONTROL_PLANE,
    DELETE_EFFECTS,
    FakeSetupError,
    Faults,
    State,
)

# The flags each command takes (all with a value but --internal), as PyK8s-Lab passes them.
COMMANDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("create", "cluster"): ("name", "config", "kubeconfig", "image", "wait"),
    ("delete", "cluster"): ("name", "kubeconfig"),
    ("get", "clusters"): (),
    ("get", "kubeconfig"): ("name", "internal"),
}


@dataclass
class Context:
    state: State
    log: Logger
    record: dict[str, Any]

    def faults(self, command: str, cluster: str | None, effects: frozenset[str]) -> Faults:
        return Faults.of(self.state.take_faults(command, cluster, ANY_COMMAND_EFFECTS | effects))

    def hang(self) -> None:
        """Start a child that outlives us unless its whole process group is killed, then wait."""
        import subprocess  # here, not at the top: start-up time is paid by every invocation

        sleep = subprocess.Popen(["sleep", "600"])
        self.record["hung"] = True
        self.record["child_pids"] = [sleep.pid]
        self.state.write_json(self.state.running_path(os.getpid()), self.record)
        while True:
            time.sleep(3600)


def list_nodes_failure(cluster: str) -> KindError:
    argv = ["docker", "ps", "-a", "--filter", f"label={CLUSTER_LABEL}={cluster}"]
    return command_failed([*argv, "--format", "{{.Names}}"], DOCKER_DOWN).wrap(
        "failed to list nodes"
    )


def list_clusters_failure() -> KindError:
    argv = ["docker", "ps", "-a", "--filter", f"label={CLUSTER_LABEL}", "--format"]
    argv.append(f'{{{{.Label "{CLUSTER_LABEL}"}}}}')
    return command_failed(argv, DOCKER_DOWN).wrap("failed to list clusters")


def delete_cluster(ctx: Context, command: str, name: str) -> None:
    """pkg/cluster/internal/delete.Cluster. (Its kubeconfig entries are in a file of
    PyK8s-Lab's own, which it removes itself.)"""
    record = ctx.state.cluster(name)
    # `docker rm` only runs when there are nodes, so only then can it fail.
    faults = ctx.faults(command, name, DELETE_EFFECTS if record else frozenset())
    if faults.hang:
        ctx.hang()
    time.sleep(faults.delay)
    if faults.failure == "docker-unreachable":
        raise list_nodes_failure(name).wrap("error listing nodes")
    record = ctx.state.cluster(name)
    if record is not None:
        if faults.failure == "fail":
            argv = ["docker", "rm", "-f", "-v", *(node["name"] for node in record["nodes"])]
            first = record["nodes"][0]["name"]
            output = (
                f'Error response from daemon: cannot remove container "/{first}": '
                "could not kill: tried to kill container, but did not receive an exit event\n"
            )
            raise command_failed(argv, output).wrap("failed to delete nodes")
        ctx.state.remove_cluster(name)


def run_delete_cluster(ctx: Context, flags: dict[str, str]) -> None:
    name = flags["name"] or "kind"
    ctx.record["cluster"] = name
    ctx.log.info(f"Deleting cluster {go_quote(name)} ...")
    try:
        delete_cluster(ctx, "delete cluster", name)
    except KindError as error:
        raise error.wrap(f"failed to delete cluster {go_quote(name)}") from None


def run_get_clusters(ctx: Context, flags: dict[str, str]) -> None:
    faults = ctx.faults("get clusters", None, frozenset())
    if faults.hang:
        ctx.hang()
    time.sleep(faults.delay)
    if faults.failure == "docker-unreachable":
        raise list_clusters_failure()
    names = [record["name"] for record in ctx.state.clusters()]
    if not names:
        ctx.log.info("No kind clusters found.")
    for name in names:
        out(name)


def nodes_of(ctx: Context, command: str, name: str) -> list[dict[str, str]]:
    """The provider's ListNodes, with this command's faults applied."""
    faults = ctx.faults(command, name, frozenset())
    if faults.hang:
        ctx.hang()
    time.sleep(faults.delay)
    if faults.failure == "docker-unreachable":
        raise list_nodes_failure(name)
    record = ctx.state.cluster(name)
    return list(record["nodes"]) if record else []


def kubeconfig_record(ctx: Context, command: str, name: str) -> dict[str, Any]:
    """kubeconfig.get(): a control-plane node whose admin.conf `kubeadm init` has written."""
    nodes = nodes_of(ctx, command, name)
    control_planes = [node["name"] for node in nodes if node["role"] == CONTROL_PLANE]
    record = ctx.state.cluster(name)
    if not control_planes or record is None:
        raise KindError(
            f"could not locate any control plane nodes for cluster named '{name}'. "
            "Use the --name option to select a different cluster"
        )
    if not record.get("kubeadm_done"):
        argv = docker_exec_argv(control_planes[0], "cat", "/etc/kubernetes/admin.conf")
        output = "cat: /etc/kubernetes/admin.conf: No such file or directory\n"
        raise command_failed(argv, output).wrap("failed to get cluster internal kubeconfig")
    return record


def run_get_kubeconfig(ctx: Context, flags: dict[str, str]) -> None:
    name = flags["name"] or "kind"
    ctx.record["cluster"] = name
    record = kubeconfig_record(ctx, "get kubeconfig", name)
    out(dump_yaml(kubeconfig_for(record, internal=flags["internal"] == "true")) + "\n")


def parse(argv: list[str]) -> tuple[str, dict[str, str]]:
    """The command and its flags (`--flag value` or `--flag=value`), with cobra's errors."""
    command = tuple(argv[:2])
    if command not in COMMANDS:
        raise FakeSetupError(f"`kind {' '.join(argv)}` is not simulated by tests/fakes/kind/")
    known = COMMANDS[command]
    flags = dict.fromkeys(known, "")
    rest = argv[2:]
    while rest:
        arg = rest.pop(0)
        name, has_value, value = arg.removeprefix("--").partition("=")
        if not arg.startswith("--"):
            raise KindError(
                f"unknown command {go_quote(arg)} for {go_quote('kind ' + ' '.join(command))}"
            )
        if name not in known:
            raise KindError(f"unknown flag: --{name}")
        if name == "internal":
            value = value or "true"
        elif not has_value:
            if not rest:
                raise KindError(f"flag needs an argument: {arg}")
            value = rest.pop(0)
        flags[name] = value
    return " ".join(command), flags


RUN = {
    "create cluster": run_create_cluster,
    "delete cluster": run_delete_cluster,
    "get clusters": run_get_clusters,
    "get kubeconfig": run_get_kubeconfig,
}


def execute(ctx: Context, argv: list[str]) -> int:
    try:
        command, flags = parse(argv)
        ctx.record["command"] = command
        RUN[command](ctx, flags)
    except KindError as error:
        ctx.log.error(error)
        return 1
    return 0


def main(argv: list[str], state_dir: str, started: float | None = None) -> int:
    """Run one `kind` invocation against the state in `state_dir`; returns the exit code.
    `started`: when the process began, if the caller knew it before importing this module."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    state = State(Path(state_dir))
    state.ensure()
    record: dict[str, Any] = {
        "argv": ["kind", *argv],
        "pid": os.getpid(),
        "pgid": os.getpgid(0),
        "start": started or time.time(),
        "command": None,
        "cluster": None,
    }
    state.write_json(state.running_path(os.getpid()), record)

    def finish(exit_code: int, signal_name: str | None = None) -> None:
        state.append_log(
            {**record, "end": time.time(), "exit_code": exit_code, "signal": signal_name}
        )
        with contextlib.suppress(FileNotFoundError):
            state.running_path(os.getpid()).unlink()

    def die_of(signum: int, frame: object = None) -> NoReturn:
        """Log, then end the way a Go program does on this signal: killed by it."""
        finish(-signum, signal.Signals(signum).name)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        os._exit(128 + signum)  # only if the signal is blocked

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, die_of)
    ctx = Context(state, Logger(), record)
    try:
        code = execute(ctx, argv)
    except FakeSetupError as error:
        sys.stderr.write(f"FAKE KIND SETUP ERROR: {error}\n")
        code = 2
    except BrokenPipeError:
        # Go dies of SIGPIPE at the first write to a closed pipe, wherever it is: so do we.
        die_of(signal.SIGPIPE)
    finish(code)
    return code


def docker_main(argv: list[str], state_dir: str, started: float | None = None) -> int:
    """The two `docker` commands PyK8s-Lab runs itself, on the same state: `network ls
    --format {{.Name}}` and `network rm NAME...`, with the Docker CLI's messages."""
    state = State(Path(state_dir))
    state.ensure()
    if argv == ["network", "ls", "--format", "{{.Name}}"]:
        sys.stdout.write("".join(f"{n}\n" for n in ["bridge", "host", "none", *state.networks()]))
        return 0
    if argv[:2] != ["network", "rm"] or len(argv) < 3:
        sys.stderr.write(f"FAKE DOCKER: not simulated: docker {' '.join(argv)}\n")
        return 125
    code = 0
    with state.locked():
        networks = state.networks()
        in_use = {record["network"] for record in state.clusters()}
        for name in argv[2:]:
            if name not in networks:
                sys.stderr.write(f"Error response from daemon: network {name} not found\n")
                code = 1
            elif name in in_use:
                sys.stderr.write(
                    "Error response from daemon: error while removing network: network "
                    f"{name} id {os.urandom(32).hex()} has active endpoints\n"
                )
                code = 1
            else:
                networks.remove(name)
                sys.stdout.write(f"{name}\n")
        state.save_networks(networks)
    if code:
        sys.stderr.write("exit status 1\n")
    return code
