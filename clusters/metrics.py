"""Prometheus metrics computed from the database (and the shared cache) at scrape time, so
every process agrees."""

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import (
    REGISTRY,
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

SPEC_LABELS = ["kubernetes_version", "workers"]


class ClusterCollector(Collector):
    def describe(self) -> Iterator[Metric]:
        # Registration must not touch the database (it runs at start-up).
        yield _gauge()
        yield from _WarmPoolMetrics().families()
        yield from _terminal_families()

    def collect(self) -> Iterator[Metric]:
        from django.db.models import Count

        from clusters.models import Cluster, ClusterStatus

        counts = dict(
            Cluster.objects.order_by()
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        gauge = _gauge()
        for status in ClusterStatus.values:
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge
        yield from _warm_pool_metrics()
        yield from _terminal_metrics()


def _gauge() -> GaugeMetricFamily:
    return GaugeMetricFamily("pyk8s_clusters", "Clusters by status.", labels=["status"])


def _terminal_families() -> tuple[GaugeMetricFamily, CounterMetricFamily]:
    return (
        GaugeMetricFamily("pyk8s_terminal_sessions_open", "Terminal sessions open now."),
        CounterMetricFamily(
            "pyk8s_terminal_session_seconds", "Time spent in ended terminal sessions."
        ),
    )


def _terminal_metrics() -> list[Metric]:
    from clusters import terminals

    open_now, seconds = _terminal_families()
    open_now.add_metric([], terminals.terminal_sessions_open())
    seconds.add_metric([], terminals.terminal_session_seconds())
    return [open_now, seconds]


class _WarmPoolMetrics:
    def __init__(self) -> None:
        self.size = GaugeMetricFamily(
            "pyk8s_warm_pool_size", "Ready clusters wanted (PYK8S_WARM_POOL).", labels=SPEC_LABELS
        )
        self.ready = GaugeMetricFamily(
            "pyk8s_warm_pool_ready", "Warm-pool clusters ready to hand out.", labels=SPEC_LABELS
        )
        self.claims = CounterMetricFamily(
            "pyk8s_warm_pool_claims",
            "Creates answered with a warm-pool cluster.",
            labels=SPEC_LABELS,
        )
        self.misses = CounterMetricFamily(
            "pyk8s_warm_pool_misses",
            "Creates of a pooled spec that found no ready cluster and were provisioned.",
            labels=SPEC_LABELS,
        )
        self.refill = SummaryMetricFamily(
            "pyk8s_warm_pool_refill_seconds",
            "From making a warm-pool cluster to its being ready.",
            labels=SPEC_LABELS,
        )

    def families(self) -> list[Metric]:
        return [self.size, self.ready, self.claims, self.misses, self.refill]


def _warm_pool_metrics() -> list[Metric]:
    from django.conf import settings
    from django.db.models import Count, DurationField, F, Q, Sum

    from clusters.models import Cluster, ClusterStatus
    from clusters.provisioning import warm_pool

    metrics = _WarmPoolMetrics()
    ready = warm_pool.counts(statuses=[ClusterStatus.RUNNING])
    history: dict[tuple[str, int], dict[str, Any]] = {
        (row["kubernetes_version"], row["workers"]): dict(row)
        for row in Cluster.objects.filter(pooled_at__isnull=False)
        .order_by()
        .values("kubernetes_version", "workers")
        .annotate(
            claims=Count("id", filter=Q(claimed_at__isnull=False)),
            refills=Count("id", filter=Q(provisioned_at__isnull=False)),
            refill_time=Sum(F("provisioned_at") - F("pooled_at"), output_field=DurationField()),
        )
    }
    misses = warm_pool.misses()
    for spec, size in settings.PYK8S_WARM_POOL.items():
        labels = [spec[0], str(spec[1])]
        row = history.get(spec, {})
        metrics.size.add_metric(labels, size)
        metrics.ready.add_metric(labels, ready.get(spec, 0))
        metrics.claims.add_metric(labels, row.get("claims", 0))
        metrics.misses.add_metric(labels, misses[spec])
        refill_time = row.get("refill_time")
        metrics.refill.add_metric(
            labels,
            count_value=row.get("refills", 0),
            sum_value=refill_time.total_seconds() if refill_time else 0,
        )
    return metrics.families()


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(ClusterCollector())
        _registered = True
