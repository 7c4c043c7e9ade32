"""Every manifest the chart renders is valid against the Kubernetes API schemas (offline)."""

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.deploy.chart import Manifest, external_values, render

# The chart's kubeVersion floor and the newest schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]
# Custom resources: no schema ships with Kubernetes, so they are checked by behaviour tests.
CUSTOM_RESOURCE_GROUPS = ("monitoring.coreos.com/",)


def schema_errors(manifests: list[Manifest], version: str) -> list[str]:
    errors = []
    for manifest in manifests:
        if manifest["apiVersion"].startswith(CUSTOM_RESOURCE_GROUPS):
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path)
            errors.append(
                f"{manifest['kind']} {manifest['metadata']['name']} {where}: {exc.message}"
            )
    return errors


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_default_values_render_valid_manifests(default_manifests, version):
    assert len(default_manifests) >= 10
    assert schema_errors(default_manifests, version) == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_external_database_values_render_valid_manifests(external_manifests, version):
    assert schema_errors(external_manifests, version) == []


def test_every_option_enabled_renders_valid_manifests():
    values = external_values()
    values["postgresql"] = {"enabled": True, "persistence": {"storageClass": "fast"}}
    values["secrets"] = {"secretKey": "k" * 64, "encryptionKeys": ["a" * 43 + "="]}
    values["web"] = {"nodeSelector": {"pool": "web"}, "tolerations": [{"operator": "Exists"}]}
    values["imagePullSecrets"] = [{"name": "registry"}]
    values["redis"] = {"enabled": False}
    values["externalRedis"] = {"url": "rediss://:pw@redis.internal:6380/0"}
    assert schema_errors(render(values), KUBERNETES_VERSIONS[-1]) == []


def test_an_invalid_manifest_is_reported(default_manifests):
    broken = {**default_manifests[0], "spec": {"replicas": "three"}}
    assert schema_errors([broken], KUBERNETES_VERSIONS[-1]) != []
