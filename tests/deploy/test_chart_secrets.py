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


def test_a_jwt_signing_key_of_its_own_is_generated_and_given_to_the_pods(default_manifests):
    secret = find(default_manifests, "Secret", "")
    key = decoded(secret, "PYK8S_JWT_SIGNING_KEY")
    assert len(key) >= 50
    assert key != decoded(secret, "SECRET_KEY")
    web = find(default_manifests, "Deployment", "-web")
    env = {e["name"]: e for e in web["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["PYK8S_JWT_SIGNING_KEY"]["valueFrom"]["secretKeyRef"] == {
        "name": secret["metadata"]["name"],
        "key": "PYK8S_JWT_SIGNING_KEY",
    }


def test_app_secret_survives_uninstall(default_manifests):
    secret = find(default_manifests, "Secret", "")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_explicit_keys_are_used_in_order():
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    secret = find(
        render(
            {"secrets": {"secretKey": "s" * 60, "jwtSigningKey": "j" * 60, "encryptionKeys": keys}}
        ),
        "Secret",
        "",
    )
    assert decoded(secret, "PYK8S_ENCRYPTION_KEYS") == ",".join(keys)
    assert decoded(secret, "SECRET_KEY") == "s" * 60
    assert decoded(secret, "PYK8S_JWT_SIGNING_KEY") == "j" * 60


def test_existing_secret_replaces_the_chart_secret(external_manifests):
    names = {m["metadata"]["name"] for m in external_manifests if m["kind"] == "Secret"}
    assert names == set()
