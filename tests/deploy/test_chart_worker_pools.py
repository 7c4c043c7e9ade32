"""Worker pools: one Docker engine each, through DOCKER_HOST or a docker-in-docker sidecar."""

from tests.deploy.chart import all_containers, container, env_of, find, pod_spec


def test_default_pool_gets_a_privileged_dind_sidecar_on_a_private_socket(default_manifests):
    worker = find(default_manifests, "Deployment", "-worker-local")
    dind = container(worker, "dind")
    assert dind["restartPolicy"] == "Always"  # a native sidecar: up before the worker starts
    assert dind["securityContext"]["privileged"] is True
    assert "--host=unix:///run/dind/docker.sock" in dind["args"]
    assert "ports" not in dind
    worker_container = container(worker, "worker")
    assert env_of(worker_container)["DOCKER_HOST"] == "unix:///run/dind/docker.sock"
    assert {"name": "dind-socket", "mountPath": "/run/dind"} in worker_container["volumeMounts"]
    assert "--group=2375" in dind["args"]
    assert pod_spec(worker)["securityContext"]["supplementalGroups"] == [2375]
    assert worker["spec"]["strategy"] == {"type": "Recreate"}


def test_remote_pools_use_their_docker_host_with_tls_and_no_sidecar(external_manifests):
    worker = find(external_manifests, "Deployment", "-worker-docker-1")
    assert [c["name"] for c in all_containers(worker)] == ["worker", "terminal"]
    env = env_of(container(worker, "worker"))
    assert env["DOCKER_HOST"] == "tcp://docker-1.lab.internal:2376"
    assert env["DOCKER_TLS_VERIFY"] == "1"
    assert env["DOCKER_CERT_PATH"] == "/etc/pyk8s/docker-tls"
    assert env["PYK8S_API_SERVER_ADDRESS"] == "10.20.0.11"
    assert env["PYK8S_PUBLIC_HOST"] == "docker-1.lab.internal"
    assert env["PYK8S_WORKER_HOST"] == "docker-1"
    volumes = {v["name"]: v for v in pod_spec(worker)["volumes"]}
    assert volumes["docker-tls"]["secret"]["secretName"] == "docker-1-client-tls"
    assert worker["spec"]["replicas"] == 2


def test_each_pool_consumes_its_own_queue(external_manifests):
    for pool in ("docker-1", "docker-2"):
        command = container(find(external_manifests, "Deployment", f"-worker-{pool}"), "worker")[
            "command"
        ]
        assert command[-2:] == ["-Q", f"celery,{pool}"]


def test_default_pool_consumes_the_default_queue(default_manifests):
    command = container(find(default_manifests, "Deployment", "-worker-local"), "worker")["command"]
    assert "-Q" not in command


def test_the_terminal_relay_drives_the_same_docker_engine_as_its_worker(
    default_manifests, external_manifests
):
    for manifests, pool in ((default_manifests, "local"), (external_manifests, "docker-1")):
        pod = find(manifests, "Deployment", f"-worker-{pool}")
        worker, relay = container(pod, "worker"), container(pod, "terminal")
        assert env_of(relay) == env_of(worker)  # same host name, DOCKER_HOST and TLS
        assert relay["volumeMounts"] == worker["volumeMounts"]
        assert env_of(relay)["PYK8S_WORKER_HOST"] == pool
