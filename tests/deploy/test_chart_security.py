"""Pods run unprivileged with bounded resources; the dind sidecar is the one exception."""

from tests.deploy.chart import all_containers, of_kind, pod_spec

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")


def workloads(manifests):
    return [m for kind in WORKLOAD_KINDS for m in of_kind(manifests, kind)]


def test_only_the_dind_sidecar_is_privileged(default_manifests, external_manifests):
    for manifest in workloads(default_manifests) + workloads(external_manifests):
        pod_security = pod_spec(manifest).get("securityContext", {})
        for c in all_containers(manifest):
            security = c["securityContext"]
            if c["name"] == "dind":
                continue
            assert pod_security["runAsNonRoot"] is True, manifest["metadata"]["name"]
            assert security["allowPrivilegeEscalation"] is False, c["name"]
            assert security["readOnlyRootFilesystem"] is True, c["name"]
            assert security["capabilities"]["drop"] == ["ALL"], c["name"]
            assert "privileged" not in security


def test_every_container_has_memory_limits_and_requests(default_manifests, external_manifests):
    for manifest in workloads(default_manifests) + workloads(external_manifests):
        for c in all_containers(manifest):
            assert c["resources"]["requests"]["cpu"], c["name"]
            assert c["resources"]["limits"]["memory"], c["name"]


def test_app_pods_carry_no_service_account_token(default_manifests):
    for manifest in workloads(default_manifests):
        assert pod_spec(manifest)["automountServiceAccountToken"] is False
