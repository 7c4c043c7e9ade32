from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clusters import crypto
from clusters.models import Cluster


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored kubeconfig under the first key of PYK8S_ENCRYPTION_KEYS. "
        "Afterwards the other keys can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        unreadable: list[str] = []
        ids = Cluster.objects.exclude(kubeconfig_encrypted=None).values_list("id", flat=True)
        for cluster_id in ids.iterator():
            # One row at a time, locked, so a provisioning worker storing a new kubeconfig
            # meanwhile is never overwritten with the old one.
            with transaction.atomic():
                cluster = Cluster.objects.select_for_update().get(id=cluster_id)
                if cluster.kubeconfig_encrypted is None:
                    continue
                try:
                    cluster.kubeconfig_encrypted = crypto.rotate(cluster.kubeconfig_encrypted)
                except crypto.KubeconfigDecryptionError:
                    unreadable.append(str(cluster_id))
                    continue
                cluster.save(update_fields=["kubeconfig_encrypted"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} kubeconfig(s) under the first key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} kubeconfig(s) could not be decrypted with any configured "
                f"key and were left as they are (clusters {', '.join(unreadable)}). Add the "
                "key they were encrypted with to PYK8S_ENCRYPTION_KEYS and run this again, "
                "or, for RUNNING ones, run the admin action Refresh kubeconfig from kind."
            )
