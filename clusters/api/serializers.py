from django.conf import settings
from django.core.validators import RegexValidator
from rest_framework import serializers

from clusters.models import Cluster

DNS_LABEL = RegexValidator(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    "Use lowercase letters, digits and '-', starting and ending with a letter or digit.",
)


class ClusterSerializer(serializers.ModelSerializer[Cluster]):
    class Meta:
        model = Cluster
        fields = [
            "id",
            "name",
            "status",
            "status_reason",
            "kubernetes_version",
            "workers",
            "created_at",
            "updated_at",
            "ttl_expires_at",
            "provisioned_at",
            "deleted_at",
        ]
        read_only_fields = fields


class ClusterCreateSerializer(serializers.Serializer[None]):
    name = serializers.CharField(max_length=40, validators=[DNS_LABEL], trim_whitespace=False)
    ttl_minutes = serializers.IntegerField(required=False)
    workers = serializers.IntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=3,
        help_text="Worker nodes besides the control plane.",
    )
    kubernetes_version = serializers.CharField(required=False)

    def validate_ttl_minutes(self, value: int) -> int:
        low, high = settings.PYK8S_TTL_MIN_MINUTES, settings.PYK8S_TTL_MAX_MINUTES
        if not low <= value <= high:
            raise serializers.ValidationError(f"Choose a TTL from {low} to {high} minutes.")
        return value

    def validate_kubernetes_version(self, value: str) -> str:
        allowed = settings.PYK8S_KUBERNETES_VERSIONS
        if value not in allowed:
            raise serializers.ValidationError(f"Choose one of: {', '.join(allowed)}.")
        return value


class ClusterExtendSerializer(serializers.Serializer[None]):
    minutes = serializers.IntegerField(min_value=1)


class ClusterExtendedSerializer(serializers.Serializer[None]):
    id = serializers.UUIDField()
    ttl_expires_at = serializers.DateTimeField()
