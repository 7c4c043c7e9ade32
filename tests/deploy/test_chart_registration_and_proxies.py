"""Deployments default to approval before a first cluster; the chart trusts X-Forwarded-For
only from the ingress it runs."""

import pytest
import yaml

from tests.deploy.chart import REPO, find, render, render_notes


def config(manifests) -> dict[str, str]:
    data: dict[str, str] = find(manifests, "ConfigMap", "")["data"]
    return data


def test_the_chart_defaults_to_approval(default_manifests):
    assert config(default_manifests)["PYK8S_REGISTRATION"] == "approval"


def test_the_notes_say_how_to_approve_or_warn_about_open_registration():
    assert 'action "Approve"' in render_notes()
    assert "Trust model" in render_notes({"config": {"registration": "open"}})


def test_compose_defaults_to_approval():
    web = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]["web"]

    assert web["environment"]["PYK8S_REGISTRATION"] == "${PYK8S_REGISTRATION:-approval}"


@pytest.mark.parametrize("mode", ["open", "invite", "closed"])
def test_the_chart_passes_another_mode_on(mode):
    assert config(render({"config": {"registration": mode}}))["PYK8S_REGISTRATION"] == mode


def test_without_the_ingress_no_forwarded_address_is_trusted(default_manifests):
    assert config(default_manifests)["PYK8S_NUM_PROXIES"] == "0"


def test_with_the_ingress_its_forwarded_address_is_trusted():
    manifests = render({"ingress": {"enabled": True, "hosts": ["lab.example.com"]}})

    assert config(manifests)["PYK8S_NUM_PROXIES"] == "1"


def test_an_explicit_proxy_count_wins():
    manifests = render({"config": {"numProxies": 2}, "ingress": {"enabled": False}})

    assert config(manifests)["PYK8S_NUM_PROXIES"] == "2"
