"""What the chart does for the web's edge: HSTS when the ingress serves HTTPS, and the
ingress refusing bodies the web would refuse anyway."""

from tests.deploy.chart import Manifest, external_values, find, render


def config_of(manifests: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = find(manifests, "ConfigMap", "")["data"]
    return data


def test_the_ingress_refuses_bodies_over_the_webs_limit(external_manifests):
    annotations = find(external_manifests, "Ingress", "")["metadata"]["annotations"]

    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "64k"
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"  # kept


def test_an_operators_own_body_size_annotation_wins():
    values = external_values()
    values["ingress"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] = "16k"

    annotations = find(render(values), "Ingress", "")["metadata"]["annotations"]

    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "16k"


def test_hsts_is_on_when_the_ingress_serves_https(external_manifests):
    assert config_of(external_manifests)["PYK8S_HSTS_SECONDS"] == "31536000"


def test_hsts_stays_off_without_tls(default_manifests):
    values = external_values()
    values["ingress"]["tls"] = []

    assert "PYK8S_HSTS_SECONDS" not in config_of(default_manifests)
    assert "PYK8S_HSTS_SECONDS" not in config_of(render(values))


def test_hsts_max_age_is_configurable():
    values = external_values()
    values["config"]["hstsSeconds"] = 600

    assert config_of(render(values))["PYK8S_HSTS_SECONDS"] == "600"
