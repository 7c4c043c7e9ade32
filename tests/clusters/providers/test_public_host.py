"""With PYK8S_PUBLIC_HOST, users' kubeconfigs point at that name and the API server's
certificate carries it; without, both stay on the bind address (127.0.0.1 by default)."""

import pytest
import yaml

from clusters.providers.base import ClusterSpec
from clusters.providers.kind import KindProvider

SPEC = ClusterSpec("pk-reachable01", "1.33.1", workers=0)
# What a hosted playground binds its API servers to, behind a firewall (README "Deploying").
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104


@pytest.fixture
def provider(fake_kind, settings):

    def make(*, public_host: str = "", address: str = "127.0.0.1") -> KindProvider:
        settings.PYK8S_PUBLIC_HOST = public_host
        settings.PYK8S_API_SERVER_ADDRESS = address
        return KindProvider.from_settings()

    return make


def created(provider: KindProvider, fake_kind) -> tuple[dict, dict]:
    """The kubeconfig handed to users, and the runtime's record of the cluster."""
    kubeconfig = provider.create(SPEC, on_line=lambda line: None)
    return yaml.safe_load(kubeconfig), fake_kind.cluster(SPEC.runtime_name)


def test_without_a_public_host_everything_stays_on_the_bind_address(provider, fake_kind):
    kind = provider()

    assert "kubeadmConfigPatches" not in kind.cluster_config(SPEC)
    kubeconfig, record = created(kind, fake_kind)
    (entry,) = kubeconfig["clusters"]
    assert entry["cluster"]["server"] == f"https://127.0.0.1:{record['api_server']['port']}"
    written = fake_kind.run("get", "kubeconfig", "--name", SPEC.runtime_name).stdout
    assert kubeconfig == yaml.safe_load(written)


def test_the_public_host_is_in_the_certificate_and_the_kubeconfig(provider, fake_kind):
    kind = provider(public_host="docker-1.lab.example.com", address=EVERY_INTERFACE)

    config = kind.cluster_config(SPEC)
    assert config["networking"]["apiServerAddress"] == EVERY_INTERFACE
    (patch,) = [yaml.safe_load(p) for p in config["kubeadmConfigPatches"]]
    assert patch == {
        "kind": "ClusterConfiguration",
        "apiServer": {"certSANs": ["localhost", EVERY_INTERFACE, "docker-1.lab.example.com"]},
    }
    kubeconfig, record = created(kind, fake_kind)  # kind accepts the patched config
    assert record["api_server"]["address"] == EVERY_INTERFACE
    (entry,) = kubeconfig["clusters"]
    port = record["api_server"]["port"]
    assert entry["cluster"]["server"] == f"https://docker-1.lab.example.com:{port}"
    # Only the address changed: the CA and the client certificate are kind's own.
    written = yaml.safe_load(fake_kind.run("get", "kubeconfig", "--name", SPEC.runtime_name).stdout)
    written["clusters"][0]["cluster"]["server"] = entry["cluster"]["server"]
    assert kubeconfig == written


def test_an_ipv6_public_host_is_bracketed_in_the_server_url(provider, fake_kind):
    kind = provider(public_host="2001:db8::7")

    kubeconfig, record = created(kind, fake_kind)

    port = record["api_server"]["port"]
    assert kubeconfig["clusters"][0]["cluster"]["server"] == f"https://[2001:db8::7]:{port}"
