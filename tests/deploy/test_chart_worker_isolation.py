"""Anyone with a cluster can be root in the worker pod that runs kind: it holds no key that
signs sessions or tokens, and reaches no in-cluster service but DNS, PostgreSQL and Redis,
nor the cloud metadata address."""

import ipaddress

import pytest
import yaml

from tests.deploy.chart import REPO, container, env_of, find, of_kind, render

SIGNING_KEYS = {"SECRET_KEY", "PYK8S_JWT_SIGNING_KEY"}


def workers(manifests):
    return [m for m in of_kind(manifests, "Deployment") if "-worker-" in m["metadata"]["name"]]


def worker_policy(manifests):
    return find(manifests, "NetworkPolicy", "-worker-egress")


def test_worker_pods_get_no_signing_keys(default_manifests, external_manifests):
    for worker in workers(default_manifests) + workers(external_manifests):
        env = env_of(container(worker, "worker"))
        assert not SIGNING_KEYS & env.keys(), worker["metadata"]["name"]
        assert env["PYK8S_PROCESS_ROLE"] == "worker"
        assert {"PYK8S_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"} <= env.keys()


def test_web_beat_and_migrate_keep_them(default_manifests):
    for kind, name, main in [
        ("Deployment", "-web", "web"),
        ("Deployment", "-beat", "beat"),
        ("Job", "-migrate", "migrate"),
    ]:
        env = env_of(container(find(default_manifests, kind, name), main))
        assert SIGNING_KEYS <= env.keys(), name


def test_the_policy_selects_every_worker_pod_and_nothing_else(default_manifests):
    manifests = render({"worker": {"pools": [{"name": "a"}, {"name": "b", "dockerHost": "x"}]}})
    selector = worker_policy(manifests)["spec"]["podSelector"]

    (expression,) = selector["matchExpressions"]
    assert expression["key"] == "app.kubernetes.io/component"
    assert expression["values"] == ["worker-a", "worker-b"]
    for worker in workers(manifests):
        labels = worker["spec"]["template"]["metadata"]["labels"]
        assert selector["matchLabels"].items() <= labels.items()
        assert labels["app.kubernetes.io/component"] in expression["values"]
    web_labels = find(manifests, "Deployment", "-web")["spec"]["template"]["metadata"]["labels"]
    assert web_labels["app.kubernetes.io/component"] not in expression["values"]


def test_in_cluster_the_workers_reach_only_dns_postgresql_and_redis(default_manifests):
    policy = worker_policy(default_manifests)["spec"]
    assert policy["policyTypes"] == ["Egress"]
    pod_rules = [r for r in policy["egress"] if "ipBlock" not in r["to"][0]]

    reached = {
        (
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
            or peer["podSelector"]["matchLabels"].get("k8s-app"),
            port["port"],
        )
        for rule in pod_rules
        for peer in rule["to"]
        for port in rule["ports"]
    }
    assert reached == {("kube-dns", 53), ("postgresql", 5432), ("redis", 6379)}


def test_external_data_stores_are_reached_only_through_extra_egress(external_manifests):
    rules = worker_policy(external_manifests)["spec"]["egress"]
    components = {
        peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
        for rule in rules
        for peer in rule["to"]
    }
    assert not {"postgresql", "redis"} & components


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # cloud metadata (AWS, GCP, Azure, ...)
        "10.96.0.1",  # a typical service address (the API server's)
        "10.244.1.7",  # a typical pod address
        "172.17.0.2",
        "192.168.1.10",
        "100.100.100.200",  # Alibaba Cloud's metadata, in CGNAT space
        "127.0.0.1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "fe80::1",
    ],
)
def test_outside_the_workers_reach_no_private_or_metadata_address(default_manifests, address):
    assert not _allowed_by_ip_blocks(worker_policy(default_manifests), address)


@pytest.mark.parametrize("address", ["151.101.0.133", "2606:4700::1111"])
def test_public_registries_stay_reachable_for_image_pulls(default_manifests, address):
    assert _allowed_by_ip_blocks(worker_policy(default_manifests), address)


def test_internet_egress_can_be_turned_off():
    policy = worker_policy(render({"networkPolicy": {"internetEgress": False}}))

    assert not _allowed_by_ip_blocks(policy, "151.101.0.133")


def test_extra_egress_rules_are_added_as_given():
    rule = {"to": [{"ipBlock": {"cidr": "10.0.5.10/32"}}], "ports": [{"port": 5432}]}
    policy = worker_policy(render({"networkPolicy": {"extraEgress": [rule]}}))

    assert policy["spec"]["egress"][-1] == rule


def test_the_policy_can_be_left_out():
    assert not of_kind(render({"networkPolicy": {"enabled": False}}), "NetworkPolicy")


def _allowed_by_ip_blocks(policy, address: str) -> bool:
    ip = ipaddress.ip_address(address)
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            block = peer.get("ipBlock")
            if not block:
                continue
            cidr = ipaddress.ip_network(block["cidr"])
            if ip.version != cidr.version or ip not in cidr:
                continue
            if not any(ip in ipaddress.ip_network(e) for e in block.get("except", [])):
                return True
    return False


def test_compose_gives_the_worker_no_signing_keys():
    services = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]

    worker = services["worker"]["environment"]
    assert not SIGNING_KEYS & worker.keys()
    assert worker["PYK8S_PROCESS_ROLE"] == "worker"
    assert SIGNING_KEYS <= services["web"]["environment"].keys()
