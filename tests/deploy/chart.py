"""The chart rendered by Helm's own engine (helm-python-sdk embeds Helm's Go library)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "pyk8s-lab"
EXTERNAL_VALUES = CHART / "ci" / "external-values.yaml"
RELEASE = "lab"
NAMESPACE = "pyk8s"

Manifest = dict[str, Any]


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    """Every manifest `helm install` would apply, hooks included, NOTES.txt left out."""
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return [
        manifest
        for path, text in sorted(files.items())
        if not path.endswith("NOTES.txt")
        for manifest in yaml.safe_load_all(text)
        if manifest
    ]


def render_notes(values: dict[str, Any] | None = None) -> str:
    with helm.Chart.load(str(CHART)) as chart:
        files = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return next(text for path, text in files.items() if path.endswith("NOTES.txt"))


def external_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(EXTERNAL_VALUES.read_text())
    return values


def find(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    """The manifest of this kind named `<release>-pyk8s-lab<name>`, e.g. name="-web"."""
    full_name = f"{RELEASE}-pyk8s-lab{name}"
    matches = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == full_name]
    assert len(matches) == 1, f"{kind} {full_name}: found {len(matches)}"
    return matches[0]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def all_containers(workload: Manifest) -> Iterator[dict[str, Any]]:
    spec = pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def container(workload: Manifest, name: str) -> dict[str, Any]:
    return next(c for c in all_containers(workload) if c["name"] == name)


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    """Container env as name -> value, or name -> valueFrom for references."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}
