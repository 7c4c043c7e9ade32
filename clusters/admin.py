from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clusters import services
from clusters.models import Cluster
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
)
PROVISIONING_FIELDS = (
    "provisioning_started_at",
    "holds_slot",
    "attempt",
    "runner",
    "heartbeat_at",
    "provisioning_log",
)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin[Cluster]):
    list_display = (
        "name",
        "owner",
        "status",
        "kubernetes_version",
        "workers",
        "runtime_name",
        "created_at",
        "ttl_expires_at",
    )
    list_filter = ("status", "kubernetes_version", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "runtime_name", "owner__email", "id")
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    actions = ["extend_one_hour", "delete_now"]
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

    @admin.display(description="kubeconfig")
    def kubeconfig_stored(self, obj: Cluster) -> str:
        return "encrypted, stored" if obj.kubeconfig_encrypted else "none"

    @admin.action(description="Extend TTL by 1 hour")
    def extend_one_hour(self, request: HttpRequest, queryset: QuerySet[Cluster]) -> None:
        self._apply(request, queryset, lambda c: services.cluster_extend(cluster=c, minutes=60))

    @admin.action(description="Delete now")
    def delete_now(self, request: HttpRequest, queryset: QuerySet[Cluster]) -> None:
        self._apply(request, queryset, lambda c: services.cluster_request_delete(cluster=c))

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
