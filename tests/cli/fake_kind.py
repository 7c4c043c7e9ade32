"""A stand-in for the `kind` binary: the commands KindProvider runs, without Docker.

State (which clusters exist) is one file per cluster under $FAKE_KIND_STATE. With
$FAKE_KIND_FAIL set, `create cluster` fails the way kind does when an image cannot be pulled.
"""

import os
import sys
import time
from pathlib import Path

import yaml

STEP_SECONDS = 0.3


def kubeconfig(name: str) -> str:
    context = f"kind-{name}"
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": "https://127.0.0.1:40123"}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
            "current-context": context,
            "users": [{"name": context, "user": {"client-key-data": "a2V5"}}],
        },
        sort_keys=False,
    )


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def main(args: list[str]) -> int:
    state = Path(os.environ["FAKE_KIND_STATE"])
    state.mkdir(parents=True, exist_ok=True)
    match args[:2]:
        case ["create", "cluster"]:
            name = option(args, "--name")
            print(f'Creating cluster "{name}" ...', flush=True)
            time.sleep(STEP_SECONDS)
            if os.environ.get("FAKE_KIND_FAIL"):
                print(f'ERROR: failed to pull image "{option(args, "--image")}": manifest unknown')
                return 1
            for step in ("Preparing nodes", "Writing configuration", "Starting control-plane"):
                print(f" ✓ {step}", flush=True)
                time.sleep(STEP_SECONDS)
            (state / name).touch()
            Path(option(args, "--kubeconfig")).write_text(kubeconfig(name))
            return 0
        case ["delete", "cluster"]:
            name = option(args, "--name")
            print(f'Deleting cluster "{name}" ...', flush=True)
            (state / name).unlink(missing_ok=True)
            return 0
        case ["get", "clusters"]:
            for path in sorted(state.iterdir()):
                print(path.name)
            return 0
        case ["get", "kubeconfig"]:
            print(kubeconfig(option(args, "--name")), end="")
            return 0
    print(f"fake kind: unsupported command {args}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
