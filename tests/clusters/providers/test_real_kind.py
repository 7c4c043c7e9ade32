"""End to end against the real kind and Docker: runs wherever they work, skipped elsewhere."""

import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from clusters.providers.base import ClusterSpec
from clusters.providers.kind import KindProvider


def _docker_and_kind_work() -> str | None:
    """None when a real cluster can be made here; otherwise why not."""
    for binary in ("kind", "docker", "kubectl"):
        if shutil.which(binary) is None:
            return f"`{binary}` is not on PATH"
    try:
        subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=True)
    except (subprocess.SubprocessError, OSError):
        return "`docker info` fails: no Docker engine is reachable"
    from django.conf import settings

    image = KindProvider.from_settings().node_image(settings.PYK8S_KUBERNETES_VERSIONS[0])
    inspected = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
    if inspected.returncode != 0:
        return f"the node image {image} is not on the engine (`make kind-toolchain` builds one)"
    return None


reason = _docker_and_kind_work()
pytestmark = [
    pytest.mark.realkind,
    pytest.mark.skipif(reason is not None, reason=f"real kind unavailable: {reason}"),
]


def test_it_creates_a_cluster_kubectl_can_use_and_deletes_it(settings):
    settings.PYK8S_KIND_BINARY = "kind"
    provider = KindProvider.from_settings()
    spec = ClusterSpec(
        f"pk-e2e{uuid.uuid4().hex[:8]}", settings.PYK8S_KUBERNETES_VERSIONS[0], workers=1
    )
    lines: list[str] = []
    try:
        kubeconfig = provider.create(spec, on_line=lines.append)
        assert spec.runtime_name in provider.list_clusters()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "kubeconfig"
            path.write_text(kubeconfig)
            nodes = subprocess.run(
                ["kubectl", "--kubeconfig", str(path), "get", "nodes", "-o", "name"],
                capture_output=True, text=True, timeout=60, check=True,
            ).stdout  # fmt: skip
        assert f"node/{spec.runtime_name}-control-plane" in nodes, lines
        assert f"node/{spec.runtime_name}-worker" in nodes, lines
    finally:
        provider.delete(spec.runtime_name, on_line=lines.append)
    assert spec.runtime_name not in provider.list_clusters()
