"""The provider interface: what the services need from a cluster runtime.

Modelled on kind's own provider package: a small set of operations, one implementation per
runtime. The runtime is the record of what exists (`list_clusters`), so the reconciler can
always compare intent (the database) with reality.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from clusters.models import ReasonCode

OnLine = Callable[[str], None]


@dataclass(frozen=True)
class ClusterSpec:
    runtime_name: str
    kubernetes_version: str
    workers: int


class ProviderError(Exception):
    """A runtime operation failed. `message` is for the user and names what to fix."""

    def __init__(self, code: ReasonCode, message: str, output_tail: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.output_tail = output_tail or []


class Provider(Protocol):
    def create(self, spec: ClusterSpec, *, on_line: OnLine) -> str:
        """Create the cluster and return its kubeconfig; raise ProviderError on failure,
        after removing whatever the failed attempt left behind."""
        ...

    def delete(self, runtime_name: str, *, on_line: OnLine) -> None:
        """Delete the cluster; succeeds when it does not exist."""
        ...

    def list_clusters(self) -> list[str]: ...

    def kubeconfig(self, runtime_name: str) -> str: ...

    def internal_kubeconfig(self, runtime_name: str) -> str:
        """The kubeconfig for a client on the cluster's own network (a terminal session)."""
        ...

    def list_networks(self) -> list[str]:
        """The runtime's per-cluster networks (named like their clusters)."""
        ...

    def delete_network(self, name: str) -> bool:
        """Remove a cluster's network; True when it is gone (or never existed)."""
        ...
