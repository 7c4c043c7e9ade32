"""kind and the Docker CLI reach the image only when their pinned sha256 checksums match."""

import hashlib
import re
import subprocess

import pytest

from tests.deploy.chart import REPO

FETCH_VERIFIED = REPO / "deploy" / "docker" / "fetch-verified.sh"


def fetch(tmp_path, content: bytes, expected: str):
    source = tmp_path / "kind-linux-amd64"
    source.write_bytes(content)
    dest = tmp_path / "kind"
    result = subprocess.run(
        ["sh", str(FETCH_VERIFIED), source.as_uri(), expected, str(dest), "KIND_SHA256_AMD64"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result, dest


def test_a_file_matching_its_checksum_is_installed(tmp_path):
    content = b"#!/bin/sh\necho kind\n"
    result, dest = fetch(tmp_path, content, hashlib.sha256(content).hexdigest())
    assert result.returncode == 0, result.stderr
    assert dest.read_bytes() == content


def test_a_mismatching_file_fails_the_build_and_is_removed(tmp_path):
    result, dest = fetch(tmp_path, b"tampered", hashlib.sha256(b"original").hexdigest())
    assert result.returncode != 0
    assert "Checksum mismatch" in result.stderr
    assert "KIND_SHA256_AMD64" in result.stderr
    assert not dest.exists()


def test_a_missing_checksum_names_the_build_arg_to_set(tmp_path):
    result, dest = fetch(tmp_path, b"anything", "")
    assert result.returncode != 0
    assert "pass --build-arg KIND_SHA256_AMD64=" in result.stderr
    assert not dest.exists()


@pytest.mark.parametrize(
    "build_arg", ["KIND_SHA256_AMD64", "KIND_SHA256_ARM64", "DOCKER_CLI_SHA256_AMD64"]
)
def test_dockerfile_pins_a_full_sha256(build_arg):
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(rf"^ARG {build_arg}=[0-9a-f]{{64}}$", dockerfile, re.MULTILINE)
