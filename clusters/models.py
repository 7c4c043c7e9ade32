import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ClusterStatus(models.TextChoices):
    PROVISIONING = "PROVISIONING"
    RUNNING = "RUNNING"
    DELETING = "DELETING"
    DELETED = "DELETED"
    ERROR = "ERROR"


# Clusters that count against a user's quota and hold their name.
LIVE_STATUSES = (ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.DELETING)


class Cluster(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clusters"
    )
    name = models.CharField(max_length=40)
    # The only name ever given to kind: generated here, never chosen by a user.
    runtime_name = models.CharField(max_length=63, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=ClusterStatus.choices, default=ClusterStatus.PROVISIONING
    )
    status_reason = models.TextField(blank=True)
    kubernetes_version = models.CharField(max_length=32)
    workers = models.PositiveSmallIntegerField(default=0)
    # MultiFernet ciphertext bound to this row's id (clusters.crypto); never sent in lists.
    kubeconfig_encrypted = models.BinaryField(null=True, editable=False)
    ttl_expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=~Q(status="DELETED"),
                name="cluster_name_unique_per_owner_until_deleted",
            ),
            models.CheckConstraint(
                condition=Q(workers__gte=0) & Q(workers__lte=3), name="cluster_workers_0_to_3"
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.runtime_name})"
