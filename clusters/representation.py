"""A cluster as users see it: the one JSON shape of the REST API and of `/ws` events."""

from typing import Any

from rest_framework import serializers

from clusters.models import Cluster, ReasonCode


class ClusterSerializer(serializers.ModelSerializer[Cluster]):
    # Declared, not derived: a read-only model field loses allow_blank, and the schema
    # would then leave "" (no reason) out of the enum.
    status_reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the cluster is in ERROR (or being deleted), for programs; empty if none.",
    )
    labels = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Its key=value labels (GET /clusters/?label=key=value finds it by them).",
    )
    queue_position = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Clusters waiting ahead of this one for a provisioning slot (0: next); "
        "null unless it is waiting.",
    )

    class Meta:
        model = Cluster
        fields = [
            "id",
            "name",
            "labels",
            "status",
            "status_reason",
            "status_reason_code",
            "queue_position",
            "kubernetes_version",
            "workers",
            "created_at",
            "updated_at",
            "ttl_expires_at",
            "provisioned_at",
            "deleted_at",
        ]
        read_only_fields = fields


def clusters_as_json(clusters: list[Cluster]) -> list[dict[str, Any]]:
    """The clusters exactly as GET /clusters/{id}/ shows them, `queue_position` included
    (read for those loaded without it). One serializer for all: DRF builds a serializer's
    fields anew for every instance.

    Each instance keeps its JSON: a request answers with what the event about it carried,
    without building it again (instances are not changed once published)."""
    unbuilt = [cluster for cluster in clusters if not hasattr(cluster, "_api_json")]
    loaded = [
        cluster
        if hasattr(cluster, "queue_position")
        else Cluster.objects.with_queue_position().get(id=cluster.id)
        for cluster in unbuilt
    ]
    for cluster, data in zip(unbuilt, ClusterSerializer(loaded, many=True).data, strict=True):
        cluster._api_json = dict(data)  # type: ignore[attr-defined]
    return [cluster._api_json for cluster in clusters]  # type: ignore[attr-defined]


def cluster_as_json(cluster: Cluster) -> dict[str, Any]:
    return clusters_as_json([cluster])[0]
