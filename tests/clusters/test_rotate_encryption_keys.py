from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command

from clusters import crypto, selectors
from clusters.models import Cluster
from tests.factories import ClusterFactory

KUBECONFIG = "apiVersion: v1\nkind: Config\n"


@pytest.fixture
def keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PYK8S_ENCRYPTION_KEYS = [old]
    return old, new


def rotate():
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    return out.getvalue()


def test_the_old_key_can_be_removed_afterwards(settings, db, keys):
    old, new = keys
    clusters = ClusterFactory.create_batch(3, kubeconfig=KUBECONFIG)
    settings.PYK8S_ENCRYPTION_KEYS = [new, old]

    output = rotate()

    assert output == "Re-encrypted 3 kubeconfig(s) under the first key.\n"
    settings.PYK8S_ENCRYPTION_KEYS = [new]
    for cluster in clusters:
        cluster.refresh_from_db()
        assert selectors.cluster_kubeconfig(cluster=cluster) == KUBECONFIG
        assert cluster.kubeconfig_encrypted is not None
        with pytest.raises(InvalidToken):
            Fernet(old.encode()).decrypt(bytes(cluster.kubeconfig_encrypted))


def test_it_skips_clusters_without_a_kubeconfig(settings, db, keys):
    old, new = keys
    ClusterFactory.create(kubeconfig=KUBECONFIG)
    empty = ClusterFactory.create()
    settings.PYK8S_ENCRYPTION_KEYS = [new, old]

    assert rotate() == "Re-encrypted 1 kubeconfig(s) under the first key.\n"
    assert Cluster.objects.get(id=empty.id).kubeconfig_encrypted is None


def test_it_leaves_the_timestamps_alone(settings, db, keys):
    old, new = keys
    cluster = ClusterFactory.create(kubeconfig=KUBECONFIG)
    settings.PYK8S_ENCRYPTION_KEYS = [new, old]

    rotate()

    assert Cluster.objects.get(id=cluster.id).updated_at == cluster.updated_at


def test_it_names_rows_no_key_decrypts_and_rotates_the_rest(settings, db, keys):
    old, new = keys
    readable = ClusterFactory.create(kubeconfig=KUBECONFIG)
    lost = ClusterFactory.create(kubeconfig=KUBECONFIG)
    settings.PYK8S_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    lost_ciphertext = crypto.encrypt_kubeconfig(lost.id, KUBECONFIG)
    Cluster.objects.filter(id=lost.id).update(kubeconfig_encrypted=lost_ciphertext)
    settings.PYK8S_ENCRYPTION_KEYS = [new, old]
    out = StringIO()

    with pytest.raises(CommandError, match=str(lost.id)) as error:
        call_command("rotate_encryption_keys", stdout=out)

    assert "could not be decrypted with any configured key" in str(error.value)
    assert out.getvalue() == "Re-encrypted 1 kubeconfig(s) under the first key.\n"
    assert Cluster.objects.get(id=lost.id).kubeconfig_encrypted == lost_ciphertext
    settings.PYK8S_ENCRYPTION_KEYS = [new]
    readable.refresh_from_db()
    assert selectors.cluster_kubeconfig(cluster=readable) == KUBECONFIG
