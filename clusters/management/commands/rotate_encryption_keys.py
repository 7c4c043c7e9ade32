from typing import Any

from django.core.management.base import BaseCommand
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
        ids = Cluster.objects.exclude(kubeconfig_encrypted=None).values_list("id", flat=True)
        for cluster_id in ids.iterator():
            with transaction.atomic():
                cluster = Cluster.objects.select_for_update().get(id=cluster_id)
                if cluster.kubeconfig_encrypted is None:
                    continue
                cluster.kubeconfig_encrypted = crypto.rotate(cluster.kubeconfig_encrypted)
                cluster.save(update_fields=["kubeconfig_encrypted"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} kubeconfig(s) under the first key.")
