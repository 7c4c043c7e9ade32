from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from clusters import provisioning, services
from clusters.models import IN_WARM_POOL, Cluster, ClusterStatus, WorkerHost
from clusters.provisioning import placement, warm_pool
from clusters.provisioning.placement import HostLoad
from clusters.queue import CLUSTER_REFRESH_KUBECONFIG, send_after_commit
from pyk8s.errors import ApplicationError

CLUSTER_FIELDS = (
    "id",
    "owner",
    "name",
    "runtime_name",
    "status",
    "status_reason",
    "status_reason_code",
    "kubernetes_version",
    "workers",
    "kubeconfig_stored",
    "ttl_expires_at",
    "expiry_warned_at",
    "created_at",
    "updated_at",
    "provisioned_at",
    "deleted_at",
    "pooled_at",
    "claimed_at",
)
PROVISIONING_FIELDS = (
    "host",
    "provisioning_started_at",
    "holds_slot",
    "attempt",
    "runner",
    "heartbeat_at",
    "provisioning_log",
)


class WarmPoolFilter(admin.SimpleListFilter):
    title = "warm pool"
    parameter_name = "warm_pool"
    conditions = {
        "in_pool": ("In the pool (no owner yet)", IN_WARM_POOL),
        "claimed": ("Claimed from the pool", Q(claimed_at__isnull=False)),
        "requested": ("Requested by a user", Q(pooled_at=None)),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, label) for value, (label, _) in self.conditions.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Cluster]) -> QuerySet[Cluster]:
        if self.value() in self.conditions:
            return queryset.filter(self.conditions[str(self.value())][1])
        return queryset


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin[Cluster]):
    """Every cluster, warm-pool ones included; the list page sums the pool up per spec."""

    list_display = (
        "name",
        "owner",
        "status",
        "kubernetes_version",
        "workers",
        "runtime_name",
        "host",
        "created_at",
        "ttl_expires_at",
    )
    list_filter = (
        "status",
        WarmPoolFilter,
        "kubernetes_version",
        ("host", admin.RelatedOnlyFieldListFilter),
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "runtime_name", "owner__email", "id")
    list_select_related = ("owner", "host")
    date_hierarchy = "created_at"
    actions = ["extend_one_hour", "delete_now", "refresh_kubeconfig"]
    fieldsets = (
        (None, {"fields": CLUSTER_FIELDS}),
        ("Provisioning", {"fields": PROVISIONING_FIELDS}),
    )
    # Everything is read-only: state changes go through the services (see the actions).
    readonly_fields = CLUSTER_FIELDS + PROVISIONING_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # clusters are created through the API, which queues the provisioning

    def has_delete_permission(self, request: HttpRequest, obj: Cluster | None = None) -> bool:
        return False  # rows are kept; "delete now" removes the runtime cluster

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if settings.PYK8S_WARM_POOL:
            self.message_user(request, warm_pool_summary(), messages.INFO)
        return super().changelist_view(request, extra_context)

    @admin.display(description="kubeconfig")
    def kubeconfig_stored(self, obj: Cluster) -> str:
        return "encrypted, stored" if obj.kubeconfig_encrypted else "none"

    @admin.action(description="Extend TTL by 1 hour", permissions=["change"])
    def extend_one_hour(self, request: HttpRequest, queryset: QuerySet[Cluster]) -> None:
        self._apply(request, queryset, lambda c: services.cluster_extend(cluster=c, minutes=60))

    @admin.action(description="Delete now", permissions=["change"])
    def delete_now(self, request: HttpRequest, queryset: QuerySet[Cluster]) -> None:
        self._apply(request, queryset, lambda c: services.cluster_request_delete(cluster=c))

    @admin.action(description="Refresh kubeconfig from kind", permissions=["change"])
    def refresh_kubeconfig(self, request: HttpRequest, queryset: QuerySet[Cluster]) -> None:
        running = queryset.filter(status=ClusterStatus.RUNNING).select_related("host")
        for cluster in running:
            send_after_commit(CLUSTER_REFRESH_KUBECONFIG, str(cluster.id), host=cluster.host)
        self.message_user(
            request,
            f"Kubeconfig refresh queued for {len(running)} RUNNING cluster(s) on their hosts.",
            messages.SUCCESS,
        )

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Cluster],
        change: Callable[[Cluster], Cluster],
    ) -> None:
        done = 0
        for cluster in queryset:
            try:
                change(cluster)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{cluster.name}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, f"{done} cluster(s) updated.", messages.SUCCESS)


def warm_pool_summary() -> str:
    """ "Warm pool: 1.33.1 with 0 workers 2/3 ready (1 being made), last 24 h: 5 claims,
    2 misses, refill 21 s on average; ..." per configured spec."""
    ready = warm_pool.counts(statuses=[ClusterStatus.RUNNING])
    making = warm_pool.counts(statuses=[ClusterStatus.PROVISIONING])
    activity = warm_pool.activity(since=timezone.now() - timedelta(hours=24))
    specs = []
    for spec, size in settings.PYK8S_WARM_POOL.items():
        version, workers = spec
        day = activity.get(spec, {"claims": 0, "misses": 0, "refill_seconds": []})
        refills = day["refill_seconds"]
        refill = (
            f"refill {sum(refills) / len(refills):.0f} s on average" if refills else "no refill"
        )
        specs.append(
            f"{version} with {workers} workers {ready.get(spec, 0)}/{size} ready"
            f" ({making.get(spec, 0)} being made), last 24 h: {day['claims']} claims,"
            f" {day['misses']} misses, {refill}"
        )
    return "Warm pool: " + "; ".join(specs)


@admin.register(WorkerHost)
class WorkerHostAdmin(admin.ModelAdmin[WorkerHost]):
    """Docker hosts as their workers registered them, with their load. Staff only drain or
    undrain one; everything else is the workers' to say."""

    list_display = (
        "name",
        "live",
        "draining",
        "clusters",
        "provisions",
        "last_seen_at",
        "public_host",
    )
    list_filter = ("draining",)
    search_fields = ("name", "public_host")
    ordering = ("name",)
    actions = ["drain", "undrain", "retire"]
    fields = (
        "name",
        "draining",
        "max_clusters",
        "max_concurrent_provisions",
        "public_host",
        "last_seen_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkerHost]:
        return placement.with_host_load(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # workers register their own host

    def has_delete_permission(self, request: HttpRequest, obj: WorkerHost | None = None) -> bool:
        return False  # clusters keep pointing at the host that holds them

    @admin.display(boolean=True, description="live")
    def live(self, obj: WorkerHost) -> bool:
        return obj.last_seen_at is not None and obj.last_seen_at >= provisioning.hosts_live_since()

    @admin.display(description="clusters held / max")
    def clusters(self, obj: "WithAnnotations[WorkerHost, HostLoad]") -> str:
        return f"{obj.clusters_held} / {obj.max_clusters}"

    @admin.display(description="creates running / max")
    def provisions(self, obj: "WithAnnotations[WorkerHost, HostLoad]") -> str:
        return f"{obj.provisions_running} / {obj.max_concurrent_provisions}"

    # Taking a Docker host in or out of service affects every user on it: superusers only.
    def has_superuser_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    @admin.action(description="Drain: place no new clusters there", permissions=["superuser"])
    def drain(self, request: HttpRequest, queryset: QuerySet[WorkerHost]) -> None:
        done = provisioning.worker_hosts_set_draining(hosts=queryset, draining=True)
        self.message_user(request, f"{done} host(s) draining.", messages.SUCCESS)

    @admin.action(description="Undrain: place new clusters there again", permissions=["superuser"])
    def undrain(self, request: HttpRequest, queryset: QuerySet[WorkerHost]) -> None:
        done = provisioning.worker_hosts_set_draining(hosts=queryset, draining=False)
        self.message_user(request, f"{done} host(s) open for new clusters.", messages.SUCCESS)

    @admin.action(
        description="Retire: gone for good; its clusters are marked deleted",
        permissions=["superuser"],
    )
    def retire(self, request: HttpRequest, queryset: QuerySet[WorkerHost]) -> None:
        selected = set(queryset.values_list("name", flat=True))
        retired = provisioning.worker_hosts_retire(hosts=queryset)
        if retired:
            names = ", ".join(retired)
            self.message_user(
                request, f"Retired {names}; their clusters are now DELETED.", messages.SUCCESS
            )
        if live := sorted(selected - set(retired)):
            self.message_user(
                request,
                f"Not retired, still live: {', '.join(live)}. Stop a host's worker first; it "
                "can be retired once silent for PYK8S_HOST_DEAD_SECONDS.",
                messages.WARNING,
            )
