"""The test double of kind measured against the real thing: the same script of kind
invocations, run through KindProvider against both, must give the same exit codes and the
same results where PyK8s-Lab parses them. Run by `make e2e-real` (see test_real_clusters.py
for the variables); skipped, saying so, elsewhere."""

import os
import shutil
import uuid
from dataclasses import dataclass

import pytest
import yaml

from clusters.models import ReasonCode
from clusters.providers.base import ClusterSpec, ProviderError
from clusters.providers.kind import KindProvider
from clusters.providers.runner import run_command
from tests.fakes.fixtures import FakeKind, make_fake_kind

KIND = os.environ.get("PYK8S_E2E_KIND_BINARY", "")
NODE_IMAGE = os.environ.get("PYK8S_E2E_NODE_IMAGE", "")
VERSION = NODE_IMAGE.rpartition(":v")[2]
MISSING = "1.34.99"

pytestmark = [
    pytest.mark.realkind,
    pytest.mark.skipif(
        not (KIND and NODE_IMAGE and shutil.which("docker")),
        reason="real kind: run by `make e2e-real` (PYK8S_E2E_KIND_BINARY, PYK8S_E2E_NODE_IMAGE "
        "and docker on PATH)",
    ),
]


@dataclass
class Side:
    name: str
    provider: KindProvider
    fake: FakeKind | None = None

    def kind(self, *args: str) -> tuple[int, list[str]]:
        """kind's exit code and output lines, as the runner sees them."""
        result = run_command([self.provider.binary, *args], timeout=120)
        return result.exit_code or 0, result.lines

    def before_missing_image(self) -> None:
        # The double has no registry to ask: it is told that this pull fails.
        if self.fake is not None:
            self.fake.set_fault("image-pull", cluster="pk-*", times=1)


def provider(binary: str, docker_binary: str) -> KindProvider:
    return KindProvider(
        binary=binary,
        docker_binary=docker_binary,
        network_prefix="pk-c",
        api_server_address="127.0.0.1",
        public_host="",
        node_images={VERSION: NODE_IMAGE, MISSING: "pyk8s-lab/kind-node:missing"},
        create_timeout=600,
        delete_timeout=180,
    )


def script(side: Side) -> dict[str, object]:
    """The invocations PyK8s-Lab makes, and what it reads from each."""
    prefix = f"pk-c{uuid.uuid4().hex[:6]}"
    first, second = f"{prefix}a", f"{prefix}b"

    def ours() -> list[str]:
        """Our clusters on this engine, named without the run's prefix ("a", "b")."""
        listed = side.provider.list_clusters()
        return sorted(n.removeprefix(prefix) for n in listed if n.startswith(prefix))

    def our_networks() -> list[str]:
        listed = side.provider.list_networks()
        return sorted(n.removeprefix(prefix) for n in listed if n.startswith(prefix))

    seen: dict[str, object] = {"none": ours()}
    kubeconfig = yaml.safe_load(side.provider.create(ClusterSpec(first, VERSION, 0), on_line=print))
    seen["created"] = {
        "contexts": [c["name"].replace(prefix, "P") for c in kubeconfig["contexts"]],
        "current": kubeconfig["current-context"].replace(prefix, "P"),
        "server": kubeconfig["clusters"][0]["cluster"]["server"].rsplit(":", 1)[0],
    }
    seen["one"] = ours()
    side.provider.create(ClusterSpec(second, VERSION, 0), on_line=print)
    seen["two"] = ours()
    seen["networks"] = our_networks()  # one each, named like the cluster
    again = yaml.safe_load(side.provider.kubeconfig(first))
    seen["kubeconfig_again"] = [c["name"].replace(prefix, "P") for c in again["contexts"]]
    try:
        side.provider.create(ClusterSpec(first, VERSION, 0), on_line=print)
        seen["collision"] = "created"
    except ProviderError as exc:
        seen["collision"] = exc.code
    seen["after_collision"] = ours()  # the existing cluster must survive a collision
    seen["networks_after_collision"] = our_networks()
    seen["delete_missing"] = side.kind("delete", "cluster", "--name", f"{prefix}-missing")[0]
    side.before_missing_image()
    try:
        side.provider.create(ClusterSpec(f"{prefix}c", MISSING, 0), on_line=print)
        seen["missing_image"] = "created"
    except ProviderError as exc:
        seen["missing_image"] = exc.code
        seen["missing_image_named"] = any("kind-node:missing" in line for line in exc.output_tail)
    seen["networks_after_missing_image"] = our_networks()  # the failed create's is removed
    for name in (first, second):
        side.provider.delete(name, on_line=print)
    seen["deleted"] = ours()
    seen["networks_deleted"] = our_networks()
    seen["delete_missing_network"] = side.provider.delete_network(f"{prefix}-missing")
    return seen


def test_the_double_agrees_with_real_kind_where_pyk8s_lab_reads_it(tmp_path):
    fake = make_fake_kind(tmp_path / "fake-kind")
    real_side = Side("real", provider(KIND, "docker"))
    fake_side = Side("double", provider(str(fake.binary), str(fake.docker_binary)), fake)
    try:
        real = script(real_side)
        double = script(fake_side)
    finally:
        fake.close()

    print("real kind:", real)  # shown with -s: what was compared
    assert double == real
    assert real["collision"] == ReasonCode.NAME_EXISTS
    assert real["after_collision"] == ["a", "b"]
    assert real["missing_image"] == ReasonCode.IMAGE_PULL_FAILED
    assert real["networks"] == real["networks_after_collision"] == ["a", "b"]
    assert real["networks_after_missing_image"] == ["a", "b"]
    assert real["networks_deleted"] == []
