"""A stand-in for the `kind` CLI (kubernetes-sigs/kind v0.29.0) on machines without Docker,
trimmed to what PyK8s-Lab runs and reads, and to the faults its tests inject.

Tests never run it directly: tests/fakes/fixtures.py writes a `<dir>/bin/kind` wrapper (and a
`<dir>/bin/docker` for the two network commands PyK8s-Lab runs itself) that loads this
package with the state directory built in, so the double works under any environment,
however small. tests/fakes/README.md describes the state and the faults; the contract test
(tests/clusters/providers/test_kind_contract.py) holds it to the real kind.

- `state`: the files every invocation shares: clusters, networks, faults, the log;
- `create`: `create cluster`, step by step, with kind's progress lines and failures;
- `output`: kind's errors, progress lines and kubeconfigs;
- `cli`: one invocation, its flags, the other commands, and the fake `docker`.

Standard library and PyYAML only: it runs under whatever interpreter the wrapper names.
"""

from .cli import docker_main, main
from .output import SALUTATIONS
from .state import (
    CONTROL_PLANE,
    DEFAULT_IMAGE,
    WORKER,
    State,
    check_fault,
    free_port,
    new_record,
    plan_nodes,
)

__all__ = [
    "CONTROL_PLANE",
    "DEFAULT_IMAGE",
    "SALUTATIONS",
    "WORKER",
    "State",
    "check_fault",
    "docker_main",
    "free_port",
    "main",
    "new_record",
    "plan_nodes",
]
