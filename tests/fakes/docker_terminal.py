"""A stand-in for the docker CLI commands the terminal relay runs, on machines without Docker:
`run` runs the container's command as a real shell on the pty it was given (with a private
HOME folder in place of the container's tmpfs), `rm --force` kills it, `ps --all --filter
label=...` lists the "containers", `image inspect` knows the images in `<state>/images`.

`<state>/engine-down` makes every command fail as with no Docker engine. Standard library only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import sys
import termios
from pathlib import Path

FLAGS = {
    *("--rm", "--interactive", "-i", "--tty", "-t", "-it", "--read-only"),
    *("--all", "-a", "--force", "-f"),
}
ENGINE_DOWN = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?"
)


def _options(args: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    options: dict[str, list[str]] = {}
    while args and args[0].startswith("-"):
        name = args.pop(0)
        if name in FLAGS:
            options.setdefault(name, [])
        else:
            options.setdefault(name, []).append(args.pop(0))
    return options, args


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie of ours counts as gone
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
            return False
    return True


def main(state: str) -> None:
    root = Path(state)
    containers = root / "containers"
    containers.mkdir(parents=True, exist_ok=True)
    args = sys.argv[1:]
    if (root / "engine-down").exists():
        print(ENGINE_DOWN, file=sys.stderr)
        sys.exit(1)
    command = args[:2] if args[:1] == ["image"] else args[:1]
    options, rest = _options(args[len(command) :])
    if command == ["image", "inspect"]:
        images = (root / "images").read_text().split() if (root / "images").exists() else []
        if rest and rest[0] in images:
            print("sha256:" + "0" * 64)
            return
        print(f"Error response from daemon: No such image: {rest[0]}", file=sys.stderr)
        sys.exit(1)
    if command == ["run"]:
        _run(root, options, rest)
    if command == ["rm"]:
        record = containers / f"{rest[0]}.json"
        if not record.exists():
            print(f"Error response from daemon: No such container: {rest[0]}", file=sys.stderr)
            sys.exit(1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(json.loads(record.read_text())["pid"], signal.SIGKILL)
        record.unlink()
        print(rest[0])
        return
    if command == ["ps"]:
        wanted = [f.removeprefix("label=") for f in options.get("--filter", [])]
        for record in sorted(containers.glob("*.json")):
            container = json.loads(record.read_text())
            labels = [f"{k}={v}" for k, v in container["labels"].items()]
            if all(label in labels for label in wanted):
                relay = container["labels"].get("io.pyk8s.terminal.relay", "")
                print(f"{container['name']} {relay}")
        return
    print(f"docker: unknown command {args!r}", file=sys.stderr)
    sys.exit(125)


def _run(root: Path, options: dict[str, list[str]], rest: list[str]) -> None:
    image, command = rest[0], rest[1:]
    name = options["--name"][0]
    labels = dict(label.split("=", 1) for label in options.get("--label", []))
    home = root / "homes" / name
    home.mkdir(parents=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "PS1": "$ "}
    for item in options.get("--env", []):
        key, _, value = item.partition("=")
        if key == "HOME":
            continue  # the container's home is this folder
        env[key] = value if "=" in item else os.environ.get(key, "")
    record = {
        "name": name,
        "image": image,
        "pid": os.getpid(),
        "labels": labels,
        "options": {k: v for k, v in options.items() if k != "--env"},
        "env_names": sorted(env),
        "kubeconfig": env.get("PYK8S_KUBECONFIG", ""),
    }
    (root / "containers" / f"{name}.json").write_text(json.dumps(record))
    # Like a container's own terminal: the shell's controlling terminal, for job control.
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    os.chdir(home)
    os.execvpe(command[0], command, env)  # noqa: S606 (the container's own command)
