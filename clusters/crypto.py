"""Kubeconfig encryption at rest.

MultiFernet over PYK8S_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so keys
can be rotated (manage.py rotate_encryption_keys). Each plaintext starts with its cluster's
id, so a ciphertext copied onto another row fails to decrypt there instead of leaking.
"""

import uuid
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class KubeconfigDecryptionError(Exception):
    pass


_NO_KEY = "no configured key decrypts this kubeconfig"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PYK8S_ENCRYPTION_KEYS))


def encrypt_kubeconfig(cluster_id: uuid.UUID, kubeconfig: str) -> bytes:
    return fernet().encrypt(f"{cluster_id}\n{kubeconfig}".encode())


def decrypt_kubeconfig(cluster_id: uuid.UUID, ciphertext: bytes | memoryview) -> str:
    try:
        plaintext = fernet().decrypt(bytes(ciphertext)).decode()
    except InvalidToken as exc:
        raise KubeconfigDecryptionError(_NO_KEY) from exc
    bound_id, _, kubeconfig = plaintext.partition("\n")
    if bound_id != str(cluster_id):
        raise KubeconfigDecryptionError("kubeconfig belongs to another cluster")
    return kubeconfig


def rotate(ciphertext: bytes | memoryview) -> bytes:
    """The same plaintext, encrypted under the first key."""
    try:
        return fernet().rotate(bytes(ciphertext))
    except InvalidToken as exc:
        raise KubeconfigDecryptionError(_NO_KEY) from exc
