"""Kubeconfigs at rest: encrypted, bound to their cluster, readable under any configured key."""

import base64
import uuid

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from clusters import crypto
from clusters.models import Cluster
from tests.factories import ClusterFactory

KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- user:\n    token: TOP-SECRET-TOKEN\n"


def raw_column(cluster):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kubeconfig_encrypted FROM clusters_cluster WHERE id = %s", [cluster.id]
        )
        return bytes(cursor.fetchone()[0])


def test_the_stored_bytes_hold_no_kubeconfig_text(db):
    cluster = ClusterFactory.create(kubeconfig=KUBECONFIG)

    stored = raw_column(cluster)

    assert stored
    for text in ("TOP-SECRET-TOKEN", "apiVersion", "kind: Config", str(cluster.id)):
        assert text.encode() not in stored
        assert base64.urlsafe_b64encode(text.encode()).rstrip(b"=") not in stored
    assert crypto.decrypt_kubeconfig(cluster.id, stored) == KUBECONFIG


def test_the_same_kubeconfig_encrypts_differently_each_time(db):
    first, second = ClusterFactory.create_batch(2, kubeconfig=KUBECONFIG)

    assert raw_column(first) != raw_column(second)


def test_a_ciphertext_copied_onto_another_row_does_not_decrypt_there(db):
    source, target = ClusterFactory.create_batch(2)
    ciphertext = crypto.encrypt_kubeconfig(source.id, KUBECONFIG)
    Cluster.objects.filter(id=target.id).update(kubeconfig_encrypted=ciphertext)

    with pytest.raises(crypto.KubeconfigDecryptionError, match="belongs to another cluster"):
        crypto.decrypt_kubeconfig(target.id, raw_column(target))
    assert crypto.decrypt_kubeconfig(source.id, raw_column(target)) == KUBECONFIG


def test_the_first_key_encrypts_and_every_key_decrypts(settings, db):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PYK8S_ENCRYPTION_KEYS = [old]
    cluster = ClusterFactory.create(kubeconfig=KUBECONFIG)
    under_old = raw_column(cluster)

    settings.PYK8S_ENCRYPTION_KEYS = [new, old]
    under_new = crypto.encrypt_kubeconfig(cluster.id, KUBECONFIG)

    assert crypto.decrypt_kubeconfig(cluster.id, under_old) == KUBECONFIG
    assert Fernet(new.encode()).decrypt(under_new).decode().endswith(KUBECONFIG)
    settings.PYK8S_ENCRYPTION_KEYS = [new]
    with pytest.raises(crypto.KubeconfigDecryptionError, match="no configured key"):
        crypto.decrypt_kubeconfig(cluster.id, under_old)


@pytest.mark.parametrize("ciphertext", [b"", b"not a token", b"gAAAAAB" + b"A" * 80])
def test_garbage_is_a_decryption_error(ciphertext):
    with pytest.raises(crypto.KubeconfigDecryptionError):
        crypto.decrypt_kubeconfig(uuid.uuid4(), ciphertext)
