"""Pins the fake `kind` to the behaviour of the real one where PyK8s-Lab reads it, so tests
built on it stay honest (the contract test compares the two on a real engine)."""

import base64
import itertools
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.kind import SALUTATIONS

NAME_RULE = "cluster names must match `^[a-z0-9.-]+$`"
DOCKER_DOWN = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?"
)


def kubeconfig(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def names(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["name"] for entry in entries]


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting for a reaper."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_it_creates_lists_shows_and_deletes_a_cluster_with_an_empty_environment(
    fake_kind, tmp_path
):
    config_path = tmp_path / "kubeconfig"

    created = fake_kind.run(
        "create", "cluster", "--name", "pk-one", "--kubeconfig", str(config_path), env={}
    )
    listed = fake_kind.run("get", "clusters", env={})
    shown = fake_kind.run("get", "kubeconfig", "--name", "pk-one", env={})

    assert created.returncode == 0, created.stderr
    assert listed.stdout == "pk-one\n"
    written = kubeconfig(config_path)
    assert yaml.safe_load(shown.stdout) == written
    assert shown.stdout.endswith("\n\n")  # kind Println()s a document that ends in a newline
    assert written["current-context"] == "kind-pk-one"
    [cluster] = written["clusters"]
    assert cluster["cluster"]["server"].startswith("https://127.0.0.1:")

    deleted = fake_kind.run(
        "delete", "cluster", "--name", "pk-one", "--kubeconfig", str(config_path), env={}
    )
    after = fake_kind.run("get", "clusters", env={})

    assert deleted.returncode == 0
    assert deleted.stderr == 'Deleting cluster "pk-one" ...\n'
    assert (after.returncode, after.stdout, after.stderr) == (0, "", "No kind clusters found.\n")
    assert fake_kind.clusters() == []


def test_it_writes_pem_shaped_credentials(fake_kind, tmp_path):
    fake_kind.run("create", "cluster", "--name", "pk-pem", "--kubeconfig", str(tmp_path / "kc"))

    config = kubeconfig(tmp_path / "kc")
    ca = config["clusters"][0]["cluster"]["certificate-authority-data"]
    user = config["users"][0]["user"]

    assert base64.b64decode(ca).decode().startswith("-----BEGIN CERTIFICATE-----\nMII")
    assert (
        base64.b64decode(user["client-certificate-data"])
        .decode()
        .startswith("-----BEGIN CERTIFICATE-----")
    )
    assert (
        base64.b64decode(user["client-key-data"])
        .decode()
        .rstrip()
        .endswith("-----END RSA PRIVATE KEY-----")
    )


def test_it_refuses_a_duplicate_name_with_kinds_text(fake_kind, tmp_path):
    fake_kind.run("create", "cluster", "--name", "pk-dup", "--kubeconfig", str(tmp_path / "kc"))

    again = fake_kind.run("create", "cluster", "--name", "pk-dup")

    assert again.returncode == 1
    assert again.stderr == (
        "ERROR: failed to create cluster: "
        'node(s) already exist for a cluster with the name "pk-dup"\n'
    )


@pytest.mark.parametrize("name", ["Upper", "under_score", "trailing-newline\n"])
def test_it_refuses_an_invalid_name_with_kinds_text(fake_kind, name):
    result = fake_kind.run("create", "cluster", "--name", name)

    assert result.returncode == 1
    assert result.stderr == (
        f"ERROR: failed to create cluster: '{name}' is not a valid cluster name, {NAME_RULE}\n"
    )
    assert fake_kind.clusters() == []


def test_get_kubeconfig_of_an_unknown_cluster_fails_like_kind(fake_kind):
    result = fake_kind.run("get", "kubeconfig", "--name", "missing")

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "ERROR: could not locate any control plane nodes for cluster named 'missing'. "
        "Use the --name option to select a different cluster\n"
    )


def test_deleting_a_missing_cluster_succeeds_like_kind(fake_kind):
    result = fake_kind.run("delete", "cluster", "--name", "never-was")

    assert (result.returncode, result.stderr) == (0, 'Deleting cluster "never-was" ...\n')


def test_it_prints_kinds_progress_lines_in_order(fake_kind, tmp_path):
    config = tmp_path / "kind.yaml"
    config.write_text(
        "kind: Cluster\n"
        "apiVersion: kind.x-k8s.io/v1alpha4\n"
        "networking:\n  apiServerAddress: 127.0.0.1\n  apiServerPort: 41234\n"
        "nodes:\n"
        "- role: control-plane\n"
        "  kubeadmConfigPatches:\n  - |\n    kind: InitConfiguration\n"
        "- role: worker\n"
    )
    kc = tmp_path / "kc"

    result = fake_kind.run(
        "create", "cluster", "--name", "pk-order", "--config", str(config),
        "--kubeconfig", str(kc), "--wait", "30s",
    )  # fmt: skip

    lines = result.stderr.splitlines()
    assert lines[:-1] == [
        'Creating cluster "pk-order" ...',
        " • Ensuring node image (kindest/node:v1.33.1) 🖼  ...",
        " ✓ Ensuring node image (kindest/node:v1.33.1) 🖼",
        " • Preparing nodes 📦 📦   ...",
        " ✓ Preparing nodes 📦 📦 ",
        " • Writing configuration 📜  ...",
        " ✓ Writing configuration 📜",
        " • Starting control-plane 🕹️  ...",
        " ✓ Starting control-plane 🕹️",
        " • Installing CNI 🔌  ...",
        " ✓ Installing CNI 🔌",
        " • Installing StorageClass 💾  ...",
        " ✓ Installing StorageClass 💾",
        " • Joining worker nodes 🚜  ...",
        " ✓ Joining worker nodes 🚜",
        " • Waiting ≤ 30s for control-plane = Ready ⏳  ...",
        " ✓ Waiting ≤ 30s for control-plane = Ready ⏳",
        " • Ready after 0s 💚",
        'Set kubectl context to "kind-pk-order"',
        "You can now use your cluster with:",
        "",
        f"kubectl cluster-info --context kind-pk-order --kubeconfig {kc}",
        "",
    ]
    assert lines[-1] in SALUTATIONS
    assert result.stdout == ""
    assert fake_kind.nodes("pk-order") == ["pk-order-control-plane", "pk-order-worker"]
    server = kubeconfig(kc)["clusters"][0]["cluster"]["server"]
    assert server == "https://127.0.0.1:41234"


def test_progress_lines_arrive_one_by_one_over_the_delay(fake_kind, tmp_path):
    fake_kind.set_create_delay(0.9)
    process = subprocess.Popen(
        [fake_kind.binary, "create", "cluster", "--name", "pk-slow"],
        env=fake_kind.env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    arrivals = []
    for line in process.stderr:
        if line.startswith(" ✓"):
            arrivals.append(time.monotonic())
    process.wait()

    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert process.returncode == 0
    assert len(arrivals) == 6
    # A busy machine can make this test read two lines at once, but not most of them.
    assert sum(gap > 0.05 for gap in gaps) >= len(gaps) / 2, gaps
    assert arrivals[-1] - arrivals[0] > 0.6


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["create", "cluster", "--nmae", "x"], "ERROR: unknown flag: --nmae\n"),
        (["get", "clusters", "extra"], 'ERROR: unknown command "extra" for "kind get clusters"\n'),
    ],
)
def test_bad_flags_and_arguments_fail_like_cobra(fake_kind, args, error):
    result = fake_kind.run(*args)

    assert (result.returncode, result.stdout, result.stderr) == (1, "", error)


DOCKER_INFO_FAILED = (
    "failed to get docker info: "
    "command \"docker info --format '{{json .}}'\" failed with error: exit status 1"
)
KUBEADM_INIT_FAILED = (
    "failed to init node with kubeadm: "
    'command "docker exec --privileged pk-f-control-plane kubeadm init'
)
IMAGE_STEP = " ✗ Ensuring node image (kindest/node:v1.33.1) 🖼"
INIT_STEP = " ✗ Starting control-plane 🕹️"


@pytest.mark.parametrize(
    ("effect", "last_step", "text"),
    [
        ("docker-unreachable", None, DOCKER_INFO_FAILED),
        ("image-pull", IMAGE_STEP, 'failed to pull image "kindest/node:v1.33.1@sha256:'),
        ("disk-full", " ✗ Preparing nodes 📦 ", "no space left on device"),
        ("kubeadm-init", INIT_STEP, KUBEADM_INIT_FAILED),
        ("inotify", INIT_STEP, "too many open files"),
    ],
)
def test_a_one_shot_create_fault_fails_with_kinds_text_and_cleans_up(
    fake_kind, effect, last_step, text
):
    fake_kind.set_fault(effect, times=1)

    failed = fake_kind.run("create", "cluster", "--name", "pk-f")

    assert failed.returncode == 1
    assert failed.stderr.startswith("Creating cluster" if last_step else "ERROR:")
    error_at = failed.stderr.index("ERROR: failed to create cluster: ")
    assert text in failed.stderr[error_at:]
    if last_step:
        assert failed.stderr[:error_at].splitlines()[-1] == last_step
    if effect == "docker-unreachable":
        assert failed.stderr.endswith(f"\n\nCommand Output: {DOCKER_DOWN}\n")
    assert fake_kind.clusters() == []  # kind deletes what it made
    assert fake_kind.faults() == []  # used up: the next create succeeds


def test_leave_nodes_keeps_a_failed_cluster_as_a_crash_would(fake_kind):
    fake_kind.set_fault("kubeadm-init", times=1, leave_nodes=True)

    failed = fake_kind.run("create", "cluster", "--name", "pk-left")
    kubeconfig_result = fake_kind.run("get", "kubeconfig", "--name", "pk-left")

    assert failed.returncode == 1
    assert fake_kind.clusters() == ["pk-left"]
    assert kubeconfig_result.returncode == 1
    assert "cat: /etc/kubernetes/admin.conf: No such file or directory" in kubeconfig_result.stderr


def test_a_fault_can_target_a_name_pattern_and_apply_always(fake_kind):
    fake_kind.set_fault("docker-unreachable", cluster="pk-*")

    outcomes = [
        fake_kind.run("create", "cluster", "--name", n).returncode
        for n in ("pk-a", "other", "pk-b")
    ]

    assert outcomes == [1, 0, 1]
    assert len(fake_kind.faults()) == 1


def test_delete_faults_leave_the_nodes_and_wait_for_the_delay(fake_kind):
    fake_kind.add_cluster("pk-stuck")
    fake_kind.set_fault("fail", command="delete cluster", times=1)
    fake_kind.set_fault("delay", command="delete cluster", cluster="pk-stuck", seconds=0.5)

    missing = fake_kind.run("delete", "cluster", "--name", "pk-gone")
    started = time.monotonic()
    stuck = fake_kind.run("delete", "cluster", "--name", "pk-stuck")
    took = time.monotonic() - started

    assert missing.returncode == 0  # no nodes, no `docker rm` to fail
    assert stuck.returncode == 1
    assert 'ERROR: failed to delete cluster "pk-stuck": failed to delete nodes: ' in stuck.stderr
    assert took >= 0.5
    assert fake_kind.clusters() == ["pk-stuck"]


def test_added_clusters_are_seen_like_created_ones(fake_kind):
    fake_kind.add_cluster("foreign", workers=2, created_at=1_700_000_000.0)
    fake_kind.add_cluster("pk-orphan", kubeadm_done=False)
    assert fake_kind.nodes("foreign") == [
        "foreign-control-plane",
        "foreign-worker",
        "foreign-worker2",
    ]

    listed = fake_kind.run("get", "clusters")
    deleted = [fake_kind.run("delete", "cluster", "--name", n) for n in ("foreign", "pk-orphan")]

    assert listed.stdout == "foreign\npk-orphan\n"
    assert fake_kind.nodes("foreign") == []
    assert [run.returncode for run in deleted] == [0, 0]
    assert fake_kind.clusters() == []


def test_deleting_a_cluster_while_it_is_created_fails_the_create(fake_kind):
    fake_kind.set_create_delay(1.2)
    create = subprocess.Popen(
        [fake_kind.binary, "create", "cluster", "--name", "pk-race"],
        env=fake_kind.env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 10
    while "pk-race" not in fake_kind.clusters() and time.monotonic() < deadline:
        time.sleep(0.02)

    fake_kind.run("delete", "cluster", "--name", "pk-race")
    _, stderr = create.communicate(timeout=10)

    assert create.returncode == 1
    assert "Error response from daemon: No such container: pk-race-control-plane" in stderr
    assert fake_kind.clusters() == []


def test_eight_simultaneous_creates_leave_consistent_state(fake_kind, tmp_path):
    fake_kind.set_create_delay(1.5)  # longer than starting eight processes on a busy machine
    wanted = [f"pk-c{i}" for i in range(8)]
    processes = [
        subprocess.Popen(
            [fake_kind.binary, "create", "cluster", "--name", name,
             "--kubeconfig", str(tmp_path / name)],
            env=fake_kind.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in wanted
    ]  # fmt: skip
    codes = [process.wait(timeout=30) for process in processes]

    assert codes == [0] * 8
    assert fake_kind.clusters() == wanted
    assert fake_kind.max_concurrent("create cluster") == 8
    ports = {fake_kind.cluster(name)["api_server"]["port"] for name in wanted}
    assert len(ports) == 8
    for name in wanted:
        assert names(kubeconfig(tmp_path / name)["contexts"]) == [f"kind-{name}"]
        assert fake_kind.cluster(name)["ready"] is True


def test_the_invocation_log_records_each_run(fake_kind):
    before = time.time()
    fake_kind.run("get", "clusters")
    fake_kind.run("get", "kubeconfig", "--name", "missing")

    first, second = fake_kind.invocations()

    assert first["argv"] == ["kind", "get", "clusters"]
    assert (first["command"], first["exit_code"]) == ("get clusters", 0)
    assert (second["cluster"], second["exit_code"]) == ("missing", 1)
    assert before <= first["start"] <= first["end"] <= second["start"] <= second["end"]
    assert first["pid"] != second["pid"]


def test_a_hang_leaves_a_grandchild_in_the_same_process_group(fake_kind):
    fake_kind.set_fault("hang", times=1)
    create = subprocess.Popen(
        [fake_kind.binary, "create", "cluster", "--name", "pk-hang"],
        env=fake_kind.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    hung: list[dict[str, Any]] = []
    while not hung and time.monotonic() < deadline:
        hung = [r for r in fake_kind.running() if r.get("hung")]
        time.sleep(0.02)
    [record] = hung
    [child] = record["child_pids"]

    assert record["pid"] == create.pid
    assert os.getpgid(child) == create.pid
    assert fake_kind.clusters() == ["pk-hang"]

    os.killpg(create.pid, signal.SIGKILL)
    create.wait(timeout=5)
    deadline = time.monotonic() + 5
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not is_running(child)


def test_its_docker_removes_only_networks_that_exist_and_are_unused(fake_kind):
    env = {"HOME": str(fake_kind.home), "KIND_EXPERIMENTAL_DOCKER_NETWORK": "pk-net"}
    created = subprocess.run(
        [fake_kind.binary, "create", "cluster", "--name", "pk-net"], env=env, capture_output=True
    )
    assert created.returncode == 0, created.stderr

    def docker(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([fake_kind.docker_binary, *args], capture_output=True, text=True)

    assert docker("network", "ls", "--format", "{{.Name}}").stdout.split()[-1] == "pk-net"
    in_use = docker("network", "rm", "pk-net")
    assert in_use.returncode == 1
    assert "has active endpoints" in in_use.stderr
    fake_kind.run("delete", "cluster", "--name", "pk-net")
    assert docker("network", "rm", "pk-net").returncode == 0
    missing = docker("network", "rm", "pk-net")
    assert missing.returncode == 1
    assert "network pk-net not found" in missing.stderr
