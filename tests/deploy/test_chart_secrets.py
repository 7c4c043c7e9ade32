"""Application secrets: generated once and kept, or taken from a Secret the operator manages."""

import base64

from cryptography.fernet import Fernet

from tests.deploy.chart import find, render


def decoded(secret, key):
    return base64.b64decode(secret["data"][key]).decode()


def test_generated_encryption_key_is_a_working_fernet_key(default_manifests):
    secret = find(default_manifests, "Secret", "")
    key = decoded(secret, "PYK8S_ENCRYPTION_KEYS")
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"kubeconfig")) == b"kubeconfig"
    assert len(decoded(secret, "SECRET_KEY")) >= 50


def test_app_secret_survives_uninstall(default_manifests):
    secret = find(default_manifests, "Secret", "")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_explicit_keys_are_used_in_order():
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    secret = find(
        render({"secrets": {"secretKey": "s" * 60, "encryptionKeys": keys}}), "Secret", ""
    )
    assert decoded(secret, "PYK8S_ENCRYPTION_KEYS") == ",".join(keys)
    assert decoded(secret, "SECRET_KEY") == "s" * 60


def test_existing_secret_replaces_the_chart_secret(external_manifests):
    names = {m["metadata"]["name"] for m in external_manifests if m["kind"] == "Secret"}
    assert names == set()
