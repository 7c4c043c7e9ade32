"""Prometheus gauges computed from the database at scrape time, so every process agrees."""

from collections.abc import Iterator

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from prometheus_client.registry import Collector


class ClusterCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration must not touch the database (it runs at start-up).
        yield _gauge()

    def collect(self) -> Iterator[GaugeMetricFamily]:
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


def _gauge() -> GaugeMetricFamily:
    return GaugeMetricFamily("pyk8s_clusters", "Clusters by status.", labels=["status"])


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(ClusterCollector())
        _registered = True
