import re
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from rest_framework import serializers

from clusters.models import MAX_LABELS, MAX_WORKERS, NAME_MAX_LENGTH, Cluster
from clusters.representation import ClusterSerializer

__all__ = ["ClusterSerializer"]

# \Z, not $: "$" also matches before a trailing newline, which would let "web\n" through.
DNS_LABEL = RegexValidator(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z",
    "Use lowercase letters, digits and '-', starting and ending with a letter or digit.",
)


# A Kubernetes label key (without a prefix/) or value: up to 63 alphanumerics, '-', '_', '.',
# starting and ending with an alphanumeric (a value may also be empty).
LABEL_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


def label_problem(key: str, value: str) -> str | None:
    """What is wrong with the label key=value, or None."""
    if not LABEL_PART.fullmatch(key):
        return (
            f"Label key {key!r}: use up to 63 letters, digits, '-', '_' and '.', starting and "
            "ending with a letter or digit."
        )
    if value and not LABEL_PART.fullmatch(value):
        return (
            f"Label {key}={value!r}: a value is empty or up to 63 letters, digits, '-', '_' "
            "and '.', starting and ending with a letter or digit."
        )
    return None


def parse_label_selector(selectors: list[str]) -> dict[str, str]:
    """?label=key=value (repeatable) as {key: value}; ValidationError for anything else."""
    labels = {}
    for selector in selectors:
        key, equals, value = selector.partition("=")
        problem = "Write each label as key=value." if not equals else label_problem(key, value)
        if problem:
            raise serializers.ValidationError({"label": [problem]})
        labels[key] = value
    return labels


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField would turn 123 or 1.5 into "123" or "1.5"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: DRF's IntegerField would accept "60", 60.0 and true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClusterCreateSerializer(serializers.Serializer[None]):
    name = StrictCharField(
        max_length=NAME_MAX_LENGTH,
        validators=[DNS_LABEL],
        trim_whitespace=False,
        help_text=f"A DNS-1123 label of at most {NAME_MAX_LENGTH} characters, unique among your "
        "clusters.",
    )
    ttl_minutes = StrictIntegerField(required=False, help_text="Minutes until deletion.")
    workers = StrictIntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=MAX_WORKERS,
        help_text="Worker nodes besides the control plane.",
    )
    kubernetes_version = StrictCharField(required=False, trim_whitespace=False)
    labels = serializers.DictField(
        child=StrictCharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=dict,
        help_text=f"Up to {MAX_LABELS} key=value labels, as Kubernetes spells them "
        '(e.g. {"ci-run": "4711"}); GET /clusters/?label=key=value finds them.',
    )

    def validate_ttl_minutes(self, value: int) -> int:
        low, high = settings.PYK8S_TTL_MIN_MINUTES, settings.PYK8S_TTL_MAX_MINUTES
        if not low <= value <= high:
            raise serializers.ValidationError(f"Choose a TTL from {low} to {high} minutes.")
        return value

    def validate_labels(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_LABELS:
            raise serializers.ValidationError(f"At most {MAX_LABELS} labels.")
        for key, label in value.items():
            if problem := label_problem(key, label):
                raise serializers.ValidationError(problem)
        return value

    def validate_kubernetes_version(self, value: str) -> str:
        allowed = settings.PYK8S_KUBERNETES_VERSIONS
        if value not in allowed:
            raise serializers.ValidationError(f"Choose one of: {', '.join(allowed)}.")
        return value


class ClusterExtendSerializer(serializers.Serializer[None]):
    minutes = StrictIntegerField(min_value=1)

    def validate_minutes(self, value: int) -> int:
        # Checked here, not only in the service: a huge value would overflow timedelta.
        high = settings.PYK8S_TTL_MAX_MINUTES
        if value > high:
            raise serializers.ValidationError(f"A cluster may live at most {high} minutes.")
        return value


class ClusterExtendedSerializer(serializers.Serializer[Cluster]):
    id = serializers.UUIDField()
    ttl_expires_at = serializers.DateTimeField()


class ClusterLogSerializer(serializers.Serializer[dict[str, list[str]]]):
    lines = serializers.ListField(
        child=serializers.CharField(),
        help_text="kind's output, oldest first: its last 200 lines, from the cluster's latest "
        "create or delete.",
    )


class RangeSerializer(serializers.Serializer[None]):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class TtlChoicesSerializer(RangeSerializer):
    default = serializers.IntegerField(help_text="Used when a create names no TTL.")


class ClusterChoicesSerializer(serializers.Serializer[dict[str, Any]]):
    kubernetes_versions = serializers.ListField(
        child=serializers.CharField(),
        help_text="Versions a create may name, newest first; the first is the default.",
    )
    ttl_minutes = TtlChoicesSerializer(help_text="Lifetimes a create or an extension may reach.")
    workers = RangeSerializer(help_text="Worker nodes a cluster may have.")
    max_clusters_per_user = serializers.IntegerField(help_text="Clusters a user may have at once.")
    name_max_length = serializers.IntegerField(help_text="The longest name a cluster may have.")
