"""PyK8s-Lab with the real kind on a real Docker engine, as a user runs it: `make run`'s
supervisor, the installed `pyk8s` command and kubectl. Run by `make e2e-real`, which builds or
reuses the toolchain (tests/e2e/realkind/) and passes it in through the PYK8S_E2E_* variables
below; skipped, saying so, anywhere else."""

import json
import os
import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.datastores import free_port
from tests.make_run import Run, child_named, descendants, live_processes, wait_gone
from tests.stack import wait_until

REPO = Path(__file__).resolve().parents[2]
KIND = os.environ.get("PYK8S_E2E_KIND_BINARY", "")
KUBECTL = os.environ.get("PYK8S_E2E_KUBECTL", "")
NODE_IMAGE = os.environ.get("PYK8S_E2E_NODE_IMAGE", "")
# An image inside the node image (nothing can be pulled here) with `sleep` and `echo`.
WORKLOAD_IMAGE = os.environ.get("PYK8S_E2E_WORKLOAD_IMAGE", "")
# The terminal's image (deploy/terminal/build.sh), with kubectl and bash.
TERMINAL_IMAGE = os.environ.get("PYK8S_E2E_TERMINAL_IMAGE", "")
VERSION = NODE_IMAGE.rpartition(":v")[2]
MISSING_VERSION = "1.34.99"  # offered, with a node image that does not exist

pytestmark = [
    pytest.mark.realkind,
    pytest.mark.stack,
    pytest.mark.skipif(
        not (KIND and KUBECTL and NODE_IMAGE and WORKLOAD_IMAGE and shutil.which("docker")),
        reason="real kind: run by `make e2e-real` (PYK8S_E2E_KIND_BINARY, PYK8S_E2E_KUBECTL, "
        "PYK8S_E2E_NODE_IMAGE, PYK8S_E2E_WORKLOAD_IMAGE and docker on PATH)",
    ),
]

EMAIL, PASSWORD = "real@example.com", "correct-horse-battery-staple"
# Two cores: a create of a control plane and a worker takes minutes here.
CREATE_SECONDS = 600


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """`python -m pyk8s.run` on the real kind, with a logged-in `pyk8s`."""
    root = tmp_path_factory.mktemp("real")
    run = Run(
        root / "var",
        free_port(),
        {
            "PYK8S_KIND_BINARY": KIND,
            "PYK8S_KUBERNETES_VERSIONS": f"{VERSION},{MISSING_VERSION}",
            "PYK8S_KIND_NODE_IMAGES": (
                f"{VERSION}={NODE_IMAGE},{MISSING_VERSION}=pyk8s-lab/kind-node:missing"
            ),
            "PYK8S_MAX_CONCURRENT_PROVISIONS": "2",
            "PYK8S_TTL_MIN_MINUTES": "1",
            "PYK8S_EXPIRY_INTERVAL_SECONDS": "5",
            "PYK8S_RECONCILE_INTERVAL_SECONDS": "10",
            "PYK8S_CREATE_TIMEOUT_SECONDS": str(CREATE_SECONDS),
            "PYK8S_CREATE_ATTEMPTS": "1",
            "PYK8S_ORPHAN_GRACE_SECONDS": "5",
            "PYK8S_TERMINAL_IMAGE": TERMINAL_IMAGE,
        },
    )
    try:
        run.wait_ready()
        home = root / "home"
        home.mkdir()
        user = User(run, home)
        registered = httpx.post(
            f"{run.url}/users/register", json={"email": EMAIL, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        login = user.pyk8s(
            "auth", "login", "--api-url", run.url, "--email", EMAIL, "--password-stdin",
            input=f"{PASSWORD}\n",
        )  # fmt: skip
        assert login.returncode == 0, login.stderr
        yield user
    finally:
        children = descendants(run.process.pid)
        run.process.send_signal(signal.SIGINT)
        run.wait_exit()
        wait_gone(set(children))


class User:
    def __init__(self, run, home: Path) -> None:
        self.run = run
        self.home = home
        self.kubeconfig = home / ".kube" / "config"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYK8S_")}
        return {
            **env,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "KUBECONFIG": str(self.kubeconfig),
        }

    def pyk8s(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        pyk8s = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "pyk8s"
        program = str(pyk8s) if pyk8s.exists() else shutil.which("pyk8s") or "pyk8s"
        return subprocess.run(
            [program, *args], env=self.env(), input=input, capture_output=True, text=True,
            timeout=CREATE_SECONDS + 60,
        )  # fmt: skip

    def kubectl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KUBECTL, *args], env=self.env(), capture_output=True, text=True, timeout=timeout
        )

    def cluster(self, name: str) -> dict[str, Any]:
        got = self.pyk8s("cluster", "get", name, "-o", "json")
        assert got.returncode == 0, got.stderr
        cluster: dict[str, Any] = json.loads(got.stdout)
        return cluster


def docker(*args: str) -> list[str]:
    listed = subprocess.run(["docker", *args], capture_output=True, text=True, check=True)
    return listed.stdout.split()


def docker_objects(runtime_name: str) -> list[str]:
    """Containers, volumes and networks that kind labelled as this cluster's, and the
    cluster's own network (kind creates it unlabelled)."""
    label = f"label=io.x-k8s.kind.cluster={runtime_name}"
    found = []
    for what in (["ps", "-a"], ["volume", "ls"], ["network", "ls"]):
        found += docker(*what, "-q", "--filter", label)
    return found + [name for name in networks() if name == runtime_name]


def networks() -> list[str]:
    return docker("network", "ls", "--format", "{{.Name}}")


def node_address(runtime_name: str) -> str:
    """The control-plane node's address on its cluster's network."""
    node = f"{runtime_name}-control-plane"
    network = f'(index .NetworkSettings.Networks "{runtime_name}")'
    [address] = docker("inspect", node, "--format", f"{{{{{network}.IPAddress}}}}")
    return address


def reaches(runtime_name: str, address: str, port: int) -> bool:
    """Whether a TCP connection from the cluster's control-plane node to address:port opens."""
    node = f"{runtime_name}-control-plane"
    probe = subprocess.run(
        ["docker", "exec", node, "timeout", "5", "bash", "-c", f"</dev/tcp/{address}/{port}"],
        capture_output=True,
    )
    return probe.returncode == 0


def runtime_name(product: "User", name: str) -> str:
    """kind's name for the user's cluster, read from the run's own database."""
    import psycopg

    with psycopg.connect(
        host=str(product.run.var_dir / "postgres"), user="postgres", dbname="pyk8s"
    ) as db:
        row = db.execute(
            "SELECT runtime_name FROM clusters_cluster WHERE name = %s AND status != 'DELETED'",
            [name],
        ).fetchone()
    assert row is not None, name
    return str(row[0])


def run_spec(spec: str, *, base_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One of the dashboard's Playwright specs, in Debian's Chromium, against base_url."""
    npm = shutil.which("npm")
    assert npm, "npm (Node 20) is needed for the browser test"
    return subprocess.run(
        [npm, "run", "e2e", "--", spec],
        cwd=REPO / "frontend",
        env={**os.environ, **env, "PYK8S_E2E_BASE_URL": base_url, "CI": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_user_creates_uses_and_deletes_a_real_cluster(product):
    created = product.pyk8s("cluster", "create", "--name", "real", "--workers", "1", "--wait")

    assert created.returncode == 0, created.stderr + product.run.output()[-4000:]
    assert "Live updates are unavailable" not in created.stderr  # followed over /ws
    assert "Starting control-plane" in created.stderr  # real kind's lines, live
    name = runtime_name(product, "real")
    assert name in networks()  # its nodes are on a network of their own

    merged = product.pyk8s("cluster", "get-kubeconfig", "real", "--merge")
    assert merged.returncode == 0, merged.stderr

    def two_nodes_ready() -> bool:
        nodes: str = product.kubectl("get", "nodes", "--no-headers").stdout
        return nodes.count(" Ready ") == 2

    wait_until(two_nodes_ready, timeout=180, interval=3, what="2 nodes Ready")

    deployment = product.kubectl(
        "create", "deployment", "hello", f"--image={WORKLOAD_IMAGE}", "--", "sleep", "infinity"
    )
    assert deployment.returncode == 0, deployment.stderr
    # Nothing can be pulled here: the image is in the node image already.
    product.kubectl(
        "patch", "deployment", "hello", "--type=json", "-p",
        '[{"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy",'
        ' "value": "Never"}]',
    )  # fmt: skip
    rolled = product.kubectl("rollout", "status", "deployment/hello", "--timeout=180s", timeout=200)
    assert rolled.returncode == 0, rolled.stderr
    exec_ = product.kubectl("exec", "deploy/hello", "--", "echo", "hello from the pod")
    assert exec_.stdout.strip() == "hello from the pod", exec_.stderr

    deleted = product.pyk8s("cluster", "delete", "real", "--yes", "--wait")

    assert deleted.returncode == 0, deleted.stderr
    assert docker_objects(name) == []  # no container, volume or network left


def test_a_missing_node_image_ends_in_error_with_kinds_message(product):
    failed = product.pyk8s(
        "cluster", "create", "--name", "no-image", "--k8s-version", MISSING_VERSION, "--wait"
    )

    assert failed.returncode == 1
    cluster = product.cluster("no-image")
    assert cluster["status"] == "ERROR"
    assert cluster["status_reason_code"] == "image_pull_failed", cluster["status_reason"]
    assert "pyk8s-lab/kind-node:missing" in cluster["status_reason"]
    product.pyk8s("cluster", "delete", "no-image", "--yes", "--wait")


def test_the_ttl_removes_a_real_cluster(product):
    created = product.pyk8s("cluster", "create", "--name", "short", "--ttl", "1", "--wait")
    assert created.returncode == 0, created.stderr
    name = runtime_name(product, "short")

    def gone() -> bool:
        got: int = product.pyk8s("cluster", "get", "short").returncode
        return got == 4  # no longer listed

    wait_until(gone, timeout=300, interval=5, what="the expired cluster to be deleted")
    assert docker_objects(name) == []


def test_the_reconciler_sees_a_cluster_deleted_behind_its_back(product):
    created = product.pyk8s("cluster", "create", "--name", "doomed", "--wait")
    assert created.returncode == 0, created.stderr
    name = runtime_name(product, "doomed")

    subprocess.run([KIND, "delete", "cluster", "--name", name], check=True, capture_output=True)

    wait_until(
        lambda: product.cluster("doomed")["status_reason_code"] == "disappeared",
        timeout=120,
        interval=5,
        what="the reconciler to mark it disappeared",
    )
    product.pyk8s("cluster", "delete", "doomed", "--yes", "--wait")


def test_two_creates_at_once_both_come_up(product):
    # PYK8S_MAX_CONCURRENT_PROVISIONS=2: both run at once, neither waits for the other.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda name: product.pyk8s("cluster", "create", "--name", name, "--wait"),
                ["twin-a", "twin-b"],
            )
        )

    for result in results:
        assert result.returncode == 0, result.stderr
    assert {product.cluster(n)["status"] for n in ("twin-a", "twin-b")} == {"RUNNING"}

    # Each on its own network: one tenant's pods cannot reach another tenant's nodes.
    a, b = runtime_name(product, "twin-a"), runtime_name(product, "twin-b")
    assert reaches(b, node_address(b), 6443)  # the probe works...
    assert not reaches(a, node_address(b), 6443)  # ...and the other cluster is out of reach
    assert not reaches(b, node_address(a), 6443)
    for name in ("twin-a", "twin-b"):
        product.pyk8s("cluster", "delete", name, "--yes", "--wait")
    assert docker_objects(a) == docker_objects(b) == []


def test_the_reconciler_removes_an_orphan_made_by_hand_and_a_leftover_network(product):
    orphan, leftover, foreign = "pk-byhand", "pk-leftover", "not-ours"
    docker("network", "create", leftover)
    docker("network", "create", foreign)
    # The reconciler may well delete it before kind has finished: it is an orphan from the
    # moment its first node exists.
    by_hand = subprocess.Popen(
        [KIND, "create", "cluster", "--name", orphan, "--image", NODE_IMAGE],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: orphan in kind_clusters(), timeout=120, interval=1, what="the orphan")
        wait_until(
            lambda: orphan not in kind_clusters() and leftover not in networks(),
            timeout=180,
            interval=5,
            what="the reconciler to delete the orphan and the leftover network",
        )
        by_hand.wait(timeout=CREATE_SECONDS)
        assert docker_objects(orphan) == []
        assert foreign in networks()  # without our prefix: never touched
    finally:
        by_hand.kill()
        docker("network", "rm", foreign)


def kind_clusters() -> list[str]:
    listed = subprocess.run([KIND, "get", "clusters"], capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_a_worker_killed_mid_create_leaves_no_orphan(tmp_path):
    """`make run` whose worker is SIGKILLed while real kind creates, then run again on the same
    var/: the create is taken over or given up, and the runtime ends agreeing with the row."""
    # Its own prefix: the module's run would otherwise delete this run's clusters as orphans.
    settings = {
        "PYK8S_KIND_BINARY": KIND,
        "PYK8S_KUBERNETES_VERSIONS": VERSION,
        "PYK8S_KIND_NODE_IMAGES": f"{VERSION}={NODE_IMAGE}",
        "PYK8S_RUNTIME_NAME_PREFIX": "pw-",
        "PYK8S_CREATE_TIMEOUT_SECONDS": str(CREATE_SECONDS),
        "PYK8S_HEARTBEAT_SECONDS": "2",
        "PYK8S_STALE_SECONDS": "20",
        "PYK8S_RECONCILE_INTERVAL_SECONDS": "10",
        "PYK8S_ORPHAN_GRACE_SECONDS": "5",
    }
    var_dir, port = tmp_path / "var", free_port()
    first = Run(var_dir, port, settings)
    try:
        first.wait_ready()
        api = first.url
        credentials = {"email": EMAIL, "password": PASSWORD}
        assert httpx.post(f"{api}/users/register", json=credentials).status_code == 201
        token = httpx.post(f"{api}/auth/token", json=credentials).json()["access"]
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(f"{api}/clusters/", json={"name": "victim"}, headers=headers)
        assert created.status_code == 202, created.text
        cluster_id = created.json()["id"]
        name = runtime_name_of(var_dir, cluster_id)

        wait_until(
            lambda: docker("ps", "-q", "--filter", f"label=io.x-k8s.kind.cluster={name}"),
            timeout=300,
            interval=0.5,
            what="kind's first node",
        )
        os.kill(child_named(first, "pyk8s worker"), signal.SIGKILL)
        assert first.wait_exit() != 0  # the supervisor stops the rest and says so
    finally:
        stop(first)

    second = Run(var_dir, port, settings)
    try:
        second.wait_ready()

        def kind_creating() -> list[str]:
            return [c for c in processes_mentioning(f"--name {name}") if "create cluster" in c]

        def settled() -> dict[str, Any] | None:
            row = cluster_row(var_dir, cluster_id)
            if row["status"] not in ("RUNNING", "ERROR") or row["holds_slot"] or kind_creating():
                return None
            return row

        row = wait_until(settled, timeout=CREATE_SECONDS, interval=5, what="the create to settle")
        if row["status"] == "RUNNING":
            assert kind_clusters().count(name) == 1
            assert name in networks()
        else:
            wait_until(
                lambda: docker_objects(name) == [],
                timeout=120,
                interval=5,
                what="the reconciler to remove the dead attempt's nodes and network",
            )
        token = httpx.post(f"{second.url}/auth/token", json=credentials).json()["access"]
        deleted = httpx.delete(
            f"{second.url}/clusters/{cluster_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert deleted.status_code in (202, 204), deleted.text
        wait_until(lambda: docker_objects(name) == [], timeout=180, interval=5, what="the delete")
    finally:
        stop(second)


def stop(run: Run) -> None:
    children = descendants(run.process.pid)
    if run.process.poll() is None:
        run.process.send_signal(signal.SIGINT)
        run.wait_exit()
    wait_gone(set(children))


def cluster_row(var_dir: Path, cluster_id: str) -> dict[str, Any]:
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(
        host=str(var_dir / "postgres"), user="postgres", dbname="pyk8s", row_factory=dict_row
    ) as db:
        row = db.execute(
            "SELECT status, holds_slot, runtime_name, attempt FROM clusters_cluster WHERE id = %s",
            [cluster_id],
        ).fetchone()
    assert row is not None, cluster_id
    return row


def runtime_name_of(var_dir: Path, cluster_id: str) -> str:
    return str(cluster_row(var_dir, cluster_id)["runtime_name"])


def processes_mentioning(needle: str) -> list[str]:
    """Command lines of every live process that mentions `needle` (kind outlives its worker)."""
    return [cmdline for _, cmdline in live_processes().values() if needle in cmdline]


@pytest.mark.skipif(not TERMINAL_IMAGE, reason="no terminal image (PYK8S_E2E_TERMINAL_IMAGE)")
def test_the_terminal_reaches_its_cluster_and_nothing_else(product):
    """`pyk8s cluster shell` on a real cluster, under a real pty: kubectl works, and the
    container sees neither the host's files, nor the Docker socket, nor another cluster."""
    from tests.cli.test_cluster_shell import Shell

    for name in ("term", "neighbour"):
        created = product.pyk8s("cluster", "create", "--name", name, "--wait")
        assert created.returncode == 0, created.stderr
    neighbour = node_address(runtime_name(product, "neighbour"))
    shell = Shell("term", env=product.env())
    try:
        shell.expect(rb"[#$] ", timeout=60)
        shell.type(b"kubectl get nodes --no-headers\n")
        shell.expect(rb"control-plane +Ready", timeout=60)
        # Each probe prints its exit status; the echo of the typed line shows `$?`, not a digit.
        shell.type(b"ls /var/cache/pyk8s-e2e; echo host-files=$?\n")
        shell.expect(rb"host-files=2")
        shell.type(b"test -e /var/run/docker.sock; echo docker-socket=$?\n")
        shell.expect(rb"docker-socket=1")
        own = node_address(runtime_name(product, "term"))
        shell.type(f"timeout 5 bash -c '</dev/tcp/{own}/6443'; echo own=$?\n".encode())
        shell.expect(rb"own=0", timeout=20)  # the probe itself works...
        shell.type(f"timeout 5 bash -c '</dev/tcp/{neighbour}/6443'; echo neighbour=$?\n".encode())
        shell.expect(rb"neighbour=(1|124)", timeout=20)
        shell.type(b"exit 0\n")
        assert shell.exit_code() == 0
    finally:
        os.close(shell.fd)
    # The same from the dashboard's terminal, in Chromium.
    browser = run_spec(
        "e2e/real-terminal.spec.ts",
        base_url=product.run.url,
        PYK8S_E2E_REAL_EMAIL=EMAIL,
        PYK8S_E2E_REAL_CLUSTER="term",
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr
    assert "1 passed" in browser.stdout, browser.stdout  # not skipped
    sessions = ["ps", "-a", "-q", "--filter", "label=io.pyk8s.terminal.host"]
    wait_until(lambda: docker(*sessions) == [], timeout=30, interval=1, what="no session left")
    for name in ("term", "neighbour"):
        product.pyk8s("cluster", "delete", name, "--yes", "--wait")
