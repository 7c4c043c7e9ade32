import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce


class ClusterStatus(models.TextChoices):
    PROVISIONING = "PROVISIONING"
    RUNNING = "RUNNING"
    DELETING = "DELETING"
    DELETED = "DELETED"
    ERROR = "ERROR"


# Clusters that count against a user's quota and hold their name.
LIVE_STATUSES = (ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.DELETING)
# What a delete request or the end of a TTL moves to DELETING (DELETING ones are on their way).
DELETABLE_STATUSES = (ClusterStatus.PROVISIONING, ClusterStatus.RUNNING, ClusterStatus.ERROR)
# What may have its TTL extended.
EXTENDABLE_STATUSES = (ClusterStatus.PROVISIONING, ClusterStatus.RUNNING)


# Worker nodes a cluster may have besides its control plane.
MAX_WORKERS = 3
# The longest name a user may give a cluster (a DNS-1123 label, shorter than kind's limit).
NAME_MAX_LENGTH = 40
# Labels a cluster may carry (key=value, as Kubernetes spells them): a CI run tags its clusters
# with its id, and its cleanup finds them by it.
MAX_LABELS = 10

# A warm-pool cluster nobody has claimed: it has no owner, and no user sees it.
IN_WARM_POOL = Q(pooled_at__isnull=False, claimed_at=None)

# In the queue: not placed on a host yet (users' clusters first, then the warm pool's).
WAITING = Q(status=ClusterStatus.PROVISIONING, provisioning_started_at=None)


class ReasonCode(models.TextChoices):
    """Why a cluster is in ERROR (or was deleted), for programs; status_reason is for people."""

    NAME_EXISTS = "name_exists"
    DOCKER_UNREACHABLE = "docker_unreachable"
    OUT_OF_DISK = "out_of_disk"
    INOTIFY_LIMITS = "inotify_limits"
    KUBEADM_INIT_FAILED = "kubeadm_init_failed"
    IMAGE_PULL_FAILED = "image_pull_failed"
    TIMEOUT = "timeout"
    BINARY_MISSING = "binary_missing"
    CREATE_FAILED = "create_failed"
    INTERRUPTED = "interrupted"
    DISAPPEARED = "disappeared"
    EXPIRED = "expired"
    HOST_UNREACHABLE = "host_unreachable"
    HOST_RETIRED = "host_retired"
    NO_CAPACITY = "no_capacity"


def new_runtime_name() -> str:
    """The name kind knows a cluster by: never chosen by a user."""
    return f"{settings.PYK8S_RUNTIME_NAME_PREFIX}{secrets.token_hex(6)}"


class ClusterQuerySet(models.QuerySet["Cluster"]):
    def with_queue_position(self) -> "ClusterQuerySet":
        """Annotate `queue_position`: how many users' clusters wait ahead of this one for a
        host with room (0 = next, whichever host frees up), or None when the cluster is not
        waiting. Warm-pool clusters always wait behind users' (provisioning.placement). One
        subquery, any list size."""
        ahead = (
            Cluster.objects.filter(
                WAITING, owner__isnull=False, created_at__lt=OuterRef("created_at")
            )
            .order_by()
            .values("status")
            .annotate(n=Count("id"))
            .values("n")
        )
        return self.annotate(
            queue_position=Case(
                When(WAITING, then=Coalesce(Subquery(ahead), 0)),
                default=None,
                output_field=IntegerField(),
            )
        )


class Cluster(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # None only for a warm-pool cluster nobody has claimed yet (see pooled_at).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clusters",
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    labels = models.JSONField(default=dict, blank=True)
    # The only name ever given to kind: generated here, never chosen by a user.
    runtime_name = models.CharField(max_length=63, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=ClusterStatus.choices, default=ClusterStatus.PROVISIONING
    )
    status_reason = models.TextField(blank=True)
    status_reason_code = models.CharField(max_length=32, choices=ReasonCode.choices, blank=True)
    kubernetes_version = models.CharField(max_length=32)
    workers = models.PositiveSmallIntegerField(default=0)
    # MultiFernet ciphertext bound to this row's id (clusters.crypto); never sent in lists.
    kubeconfig_encrypted = models.BinaryField(null=True, editable=False)
    ttl_expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    # The Docker host holding the runtime cluster: set when the cluster leaves the queue, and
    # from then on every task about it runs there (clusters.tasks.route_task).
    host = models.ForeignKey(
        "WorkerHost", null=True, blank=True, on_delete=models.PROTECT, related_name="clusters"
    )

    # Warm pool: made ahead of any request (pooled_at) for PYK8S_WARM_POOL, then handed, once,
    # to the first user asking for its spec (claimed_at). A claimed cluster never goes back.
    pooled_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    # Provisioning bookkeeping. A PROVISIONING cluster without provisioning_started_at waits
    # in the queue for a host and a slot (see queue_position); `attempt` numbers the claims, so
    # a late or duplicated task message for an earlier attempt is recognised and dropped.
    provisioning_started_at = models.DateTimeField(null=True, blank=True)
    # True from the moment a create is given a slot until that kind process is over
    # (even when the cluster is deleted meanwhile): the host's concurrency is counted here.
    holds_slot = models.BooleanField(default=False)
    attempt = models.PositiveSmallIntegerField(default=0)
    runner = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # kind's output for the latest create or delete, bounded (see providers.runner).
    provisioning_log = models.TextField(blank=True)

    objects = ClusterQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=(Q(owner=None) & IN_WARM_POOL) | (Q(owner__isnull=False) & ~IN_WARM_POOL),
                name="cluster_owned_unless_in_warm_pool",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "-created_at"]),
            # GET /clusters/?label=key=value: containment (@>) on the owner's clusters.
            GinIndex(fields=["labels"], name="cluster_labels"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="PROVISIONING", provisioning_started_at=None),
                name="cluster_waiting_queue",
            ),
            models.Index(
                fields=["ttl_expires_at"],
                condition=Q(status__in=["PROVISIONING", "RUNNING", "ERROR"]),
                name="cluster_expirable",
            ),
            models.Index(
                fields=["kubernetes_version", "workers", "pooled_at"],
                condition=Q(owner=None, status="RUNNING"),
                name="cluster_warm_pool_ready",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.runtime_name})"


# Clusters whose runtime cluster takes room on their host: the live ones, and those shown as
# ERROR only because their host stopped answering.
HELD_BY_HOST = Q(status__in=LIVE_STATUSES) | Q(
    status=ClusterStatus.ERROR, status_reason_code=ReasonCode.HOST_UNREACHABLE
)


class WorkerHost(models.Model):
    """A Docker host whose Celery worker runs kind, as it registered and last heartbeat.
    Its row also serialises placement and slot claims (clusters.provisioning)."""

    name = models.CharField(max_length=253, unique=True)
    max_concurrent_provisions = models.PositiveSmallIntegerField(default=2)
    max_clusters = models.PositiveSmallIntegerField(default=10)
    # Where users reach this host's API servers; empty: only on the host itself.
    public_host = models.CharField(max_length=253, blank=True)
    # Set by staff: the host keeps its clusters but gets no new ones.
    draining = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class RuntimeClusterSighting(models.Model):
    """When a host's reconciler first saw a runtime cluster there with no live row: orphans
    are deleted only after PYK8S_ORPHAN_GRACE_SECONDS, measured from here."""

    host = models.ForeignKey(WorkerHost, on_delete=models.CASCADE, related_name="sightings")
    runtime_name = models.CharField(max_length=63)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["host", "runtime_name"], name="sighting_unique_per_host"
            )
        ]

    def __str__(self) -> str:
        return self.runtime_name
