"""The web tier is probed, reachable and protected from disruption; beat runs exactly once."""

from tests.deploy.chart import (
    Manifest,
    container,
    env_of,
    external_values,
    find,
    of_kind,
    render,
    render_notes,
)


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def web_pod_labels(manifests: list[Manifest]) -> dict[str, str]:
    labels: dict[str, str] = find(manifests, "Deployment", "-web")["spec"]["template"]["metadata"][
        "labels"
    ]
    return labels


def test_web_probes_use_the_health_endpoints(default_manifests):
    web = container(find(default_manifests, "Deployment", "-web"), "web")
    assert web["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert web["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


def test_probes_and_scrapes_by_pod_ip_pass_the_host_check(default_manifests):
    env = env_of(container(find(default_manifests, "Deployment", "-web"), "web"))
    names = list(env)
    assert names.index("POD_IP") < names.index("ALLOWED_HOSTS")  # $(POD_IP) needs it defined first
    assert env["ALLOWED_HOSTS"].split(",")[0] == "$(POD_IP)"


def test_ingress_hosts_are_allowed_and_trusted_for_csrf(external_manifests):
    env = env_of(container(find(external_manifests, "Deployment", "-web"), "web"))
    assert "lab.example.com" in env["ALLOWED_HOSTS"].split(",")
    config = find(external_manifests, "ConfigMap", "")["data"]
    assert config["CSRF_TRUSTED_ORIGINS"] == "https://lab.example.com"
    # Per worker host (the pools), never the web's name: kubeconfigs would point at the web.
    assert "PYK8S_PUBLIC_HOST" not in config
    assert config["PYK8S_KUBERNETES_VERSIONS"] == "1.33.1,1.32.5"
    assert config["PYK8S_TTL_MAX_MINUTES"] == "240"
    assert "PYK8S_TTL_MIN_MINUTES" not in config
    assert config["PYK8S_CREATE_TIMEOUT_SECONDS"] == "900"


def test_service_pdb_ingress_and_service_monitor_all_reach_the_web_pods(external_manifests):
    pod_labels = web_pod_labels(external_manifests)
    service = find(external_manifests, "Service", "-web")
    assert selects(service["spec"]["selector"], pod_labels)
    pdb = find(external_manifests, "PodDisruptionBudget", "-web")
    assert selects(pdb["spec"]["selector"]["matchLabels"], pod_labels)
    assert pdb["spec"]["maxUnavailable"] == 1
    (rule,) = find(external_manifests, "Ingress", "")["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": "http"}}
    (monitor,) = of_kind(external_manifests, "ServiceMonitor")
    assert selects(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"


def test_web_replicas_are_configurable():
    web = find(render({"web": {"replicas": 5}}), "Deployment", "-web")
    assert web["spec"]["replicas"] == 5


def test_beat_is_a_single_replica_that_never_overlaps_itself(external_manifests):
    beat = find(external_manifests, "Deployment", "-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_migrations_run_as_a_hook_before_upgrades(default_manifests):
    job = find(default_manifests, "Job", "-migrate")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    assert container(job, "migrate")["command"] == ["python", "manage.py", "migrate", "--noinput"]


def test_notes_say_how_to_reach_the_product():
    notes = render_notes(external_values())
    assert "https://lab.example.com/" in notes
    assert "docker-1: tcp://docker-1.lab.internal:2376, queues celery,docker-1" in notes
    assert "port-forward" in render_notes()
