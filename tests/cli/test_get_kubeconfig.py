from typing import Any

import pytest
import yaml

from clusters.crypto import encrypt_kubeconfig
from clusters.models import ClusterStatus
from tests.cli.conftest import kind_kubeconfig, mode_of
from tests.factories import ClusterFactory

OTHER_KUBECONFIG: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "work", "cluster": {"server": "https://work.example.com"}}],
    "contexts": [{"name": "work", "context": {"cluster": "work", "user": "me"}}],
    "users": [{"name": "me", "user": {"token": "work-token"}}],
    "current-context": "work",
    "preferences": {},
}


def test_it_prints_the_kubeconfig(run, running):
    result = run("cluster", "get-kubeconfig", "dev")

    assert result.exit_code == 0, result.output
    assert result.stdout == kind_kubeconfig("pk-dev")


def test_it_writes_a_file_only_the_owner_can_read(run, running, tmp_path):
    path = tmp_path / "dev.yaml"

    result = run("cluster", "get-kubeconfig", "dev", "--file", str(path))

    assert result.exit_code == 0, result.output
    assert path.read_text() == kind_kubeconfig("pk-dev")
    assert mode_of(path) == 0o600
    assert result.stdout == f"Wrote {path}. Try `KUBECONFIG={path} kubectl get nodes`.\n"


def test_merge_adds_a_context_and_keeps_the_others(run, running, kubeconfig_file):
    kubeconfig_file.parent.mkdir()
    kubeconfig_file.write_text(yaml.safe_dump(OTHER_KUBECONFIG))

    result = run("cluster", "get-kubeconfig", "dev", "--merge")

    assert result.exit_code == 0, result.output
    merged = yaml.safe_load(kubeconfig_file.read_text())
    assert [c["name"] for c in merged["contexts"]] == ["work", "pyk8s-dev"]
    assert [c["name"] for c in merged["clusters"]] == ["work", "pyk8s-dev"]
    assert [u["name"] for u in merged["users"]] == ["me", "pyk8s-dev"]
    assert merged["contexts"][0] == OTHER_KUBECONFIG["contexts"][0]
    assert merged["users"][0] == OTHER_KUBECONFIG["users"][0]
    assert merged["clusters"][1]["cluster"]["server"] == "https://127.0.0.1:40123"
    assert merged["current-context"] == "pyk8s-dev"
    assert mode_of(kubeconfig_file) == 0o600
    assert "now the current context (it was work)" in result.stdout


def test_merging_again_replaces_the_entries_instead_of_adding_more(run, running, kubeconfig_file):
    run("cluster", "get-kubeconfig", "dev", "--merge")
    run("cluster", "get-kubeconfig", "dev", "--merge")

    merged = yaml.safe_load(kubeconfig_file.read_text())
    assert [c["name"] for c in merged["contexts"]] == ["pyk8s-dev"]


def test_merge_uses_the_first_existing_file_in_kubeconfig(run, running, tmp_path, monkeypatch):
    missing, existing = tmp_path / "missing.yaml", tmp_path / "existing.yaml"
    existing.write_text(yaml.safe_dump(OTHER_KUBECONFIG))
    monkeypatch.setenv("KUBECONFIG", f"{missing}:{existing}")

    run("cluster", "get-kubeconfig", "dev", "--merge")

    assert not missing.exists()
    assert "pyk8s-dev" in [c["name"] for c in yaml.safe_load(existing.read_text())["contexts"]]


def test_merge_leaves_a_corrupt_kubeconfig_alone(run, running, kubeconfig_file):
    kubeconfig_file.parent.mkdir()
    kubeconfig_file.write_text("clusters: [oops\n")

    result = run("cluster", "get-kubeconfig", "dev", "--merge")

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The kubeconfig {kubeconfig_file} is not valid YAML; nothing was changed.\n"
    )
    assert kubeconfig_file.read_text() == "clusters: [oops\n"


def test_file_and_merge_cannot_be_combined(run, running, tmp_path):
    result = run("cluster", "get-kubeconfig", "dev", "--merge", "--file", str(tmp_path / "x"))

    assert result.exit_code == 2
    assert "Use either --file or --merge, not both." in result.stderr


def test_a_cluster_that_is_not_running_has_none_yet(run, logged_in):
    ClusterFactory.create(owner=logged_in, name="dev", status=ClusterStatus.PROVISIONING)

    result = run("cluster", "get-kubeconfig", "dev")

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: The kubeconfig is available once the cluster is RUNNING"
    )
    assert result.stdout == ""


def _with_user(credentials: dict[str, Any]) -> str:
    config = yaml.safe_load(kind_kubeconfig("pk-dev"))
    config["users"][0]["user"] = credentials
    return yaml.safe_dump(config)


@pytest.mark.parametrize(
    "credentials",
    [
        {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "sh"}},
        {"auth-provider": {"name": "oidc", "config": {"cmd-path": "/bin/sh"}}},
    ],
    ids=["exec", "auth-provider"],
)
@pytest.mark.parametrize(
    "output", [["--merge"], ["--file", "dev.yaml"], []], ids=["merge", "file", "stdout"]
)
def test_it_refuses_a_kubeconfig_that_would_run_a_command(
    run, running, kubeconfig_file, tmp_path, monkeypatch, credentials, output
):
    monkeypatch.chdir(tmp_path)
    kubeconfig_file.parent.mkdir()
    kubeconfig_file.write_text(yaml.safe_dump(OTHER_KUBECONFIG))
    running.kubeconfig_encrypted = encrypt_kubeconfig(running.id, _with_user(credentials))
    running.save()

    result = run("cluster", "get-kubeconfig", "dev", *output)

    plugin = next(iter(credentials))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: The kubeconfig from the server has user 'kind-pk-dev' with {plugin!r}, which "
        "would run a program on this machine at your next kubectl command; PyK8s-Lab never "
        "sends one, so the server may be compromised. Nothing was written.\n"
    )
    assert result.stdout == ""
    assert yaml.safe_load(kubeconfig_file.read_text()) == OTHER_KUBECONFIG
    assert not (tmp_path / "dev.yaml").exists()
