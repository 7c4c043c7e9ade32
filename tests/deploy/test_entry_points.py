"""The Procfile, the chart, compose.yaml and the image run real entry points with valid options."""

import json
import re

import pytest
import yaml

from tests.deploy.chart import REPO, container, env_of, find, of_kind
from pyk8s.processes import PROCFILE, read_procfile
from tests.deploy.entry_points import BadCommand, check_command, expand

EXPECTED_PROCESSES = {"release", "web", "worker", "beat", "terminal"}


def procfile():
    return read_procfile(PROCFILE.read_text())


def test_procfile_declares_release_web_worker_beat_and_terminal():
    assert set(procfile()) == EXPECTED_PROCESSES


@pytest.mark.parametrize("process", sorted(EXPECTED_PROCESSES))
def test_procfile_command_starts_a_real_entry_point(process):
    check_command(expand(procfile()[process], env={}))


def chart_commands(manifests):
    """(workload name, argv with $(VAR) resolved from that container's env) of app containers.

    The app runs in Deployments and the Job; the stores (StatefulSets) and the dind sidecar
    (an init container) run their images' own commands.
    """
    config = find(manifests, "ConfigMap", "")["data"]
    for manifest in of_kind(manifests, "Deployment") + of_kind(manifests, "Job"):
        for c in manifest["spec"]["template"]["spec"]["containers"]:
            plain_env = {k: v for k, v in env_of(c).items() if isinstance(v, str)}
            name = manifest["metadata"]["name"]
            if c["name"] == "terminal":
                name += "/terminal"
            yield name, expand(c["command"], {**config, **plain_env})


def test_chart_commands_start_real_entry_points(default_manifests, external_manifests):
    checked = set()
    for manifests in (default_manifests, external_manifests):
        for name, argv in chart_commands(manifests):
            check_command(argv)
            checked.add(name)
    assert {"lab-pyk8s-lab-web", "lab-pyk8s-lab-beat", "lab-pyk8s-lab-migrate"} <= checked
    assert {"lab-pyk8s-lab-worker-local", "lab-pyk8s-lab-worker-docker-1"} <= checked
    assert {"lab-pyk8s-lab-worker-local/terminal", "lab-pyk8s-lab-worker-docker-1/terminal"} <= checked


def test_chart_runs_the_procfile_commands(default_manifests):
    commands = {name: argv for name, argv in chart_commands(default_manifests)}
    expected = {process: expand(argv, env={}) for process, argv in procfile().items()}
    assert commands["lab-pyk8s-lab-migrate"] == expected["release"]
    assert commands["lab-pyk8s-lab-web"] == expected["web"]
    assert commands["lab-pyk8s-lab-worker-local"] == expected["worker"]
    assert commands["lab-pyk8s-lab-beat"] == expected["beat"]
    worker = find(default_manifests, "Deployment", "-worker-local")
    assert container(worker, "terminal")["command"] == expected["terminal"]
    web = container(find(default_manifests, "Deployment", "-web"), "web")
    port = web["command"][web["command"].index("-p") + 1]
    assert web["ports"][0]["containerPort"] == int(port)


def test_compose_commands_start_real_entry_points():
    services = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]
    app_services = {name for name, s in services.items() if s.get("image") == "pyk8s-lab:local"}
    assert app_services == {"migrate", "web", "worker", "beat", "terminal"}
    for name in sorted(app_services):
        check_command(expand(services[name]["command"], env={}))


def test_image_default_command_starts_the_web_server():
    dockerfile = (REPO / "Dockerfile").read_text()
    cmd = json.loads(re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)[-1])
    assert cmd[:2] == ["sh", "-c"]
    check_command(expand(cmd[2].removeprefix("exec ").replace('"$PORT"', "8000").split(), env={}))


@pytest.mark.parametrize(
    "argv",
    [
        ["daphne", "-p", "8000", "pyk8s.asgi:missing"],
        ["daphne", "--bogus", "pyk8s.asgi:application"],
        ["celery", "-A", "pyk8s", "worker", "--concurrency", "many"],
        ["celery", "-A", "pyk8s", "beat", "--scheduler", "celery.beat:Service"],
        ["celery", "-A", "pyk8s", "wrker"],
        ["python", "manage.py", "migrat"],
        ["python", "manage.py", "migrate", "--no-such-option"],
    ],
)
def test_a_wrong_command_is_caught(argv):
    with pytest.raises(BadCommand):
        check_command(argv)


def test_an_undefined_kubernetes_variable_is_caught():
    with pytest.raises(BadCommand, match="PYK8S_MISSING"):
        expand(["--concurrency", "$(PYK8S_MISSING)"], env={})
