"""How clusters look in tables and messages."""

from datetime import UTC, datetime, timedelta

from cli.api import Cluster

COLUMNS = ("name", "status", "version", "workers", "age", "time left")
ENDED = ("DELETING", "DELETED", "ERROR")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def humanize(delta: timedelta) -> str:
    """Like kubectl's ages: 45s, 12m, 3h20m, 2d5h."""
    seconds = max(0, int(delta.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def time_left(cluster: Cluster, now: datetime) -> str:
    if cluster["status"] in ENDED:
        return "-"
    left = parse_time(cluster["ttl_expires_at"]) - now
    return humanize(left) if left > timedelta(0) else "expired"


def waiting_for_slot(position: int) -> str:
    return f"waiting for a slot, {position} ahead" if position else "next for a slot"


def cluster_row(cluster: Cluster, now: datetime) -> list[str]:
    return [
        cluster["name"],
        cluster["status"],
        cluster["kubernetes_version"],
        str(cluster["workers"]),
        humanize(now - parse_time(cluster["created_at"])),
        time_left(cluster, now),
    ]


def cluster_details(cluster: Cluster, now: datetime) -> list[tuple[str, str]]:
    created = parse_time(cluster["created_at"])
    expires = parse_time(cluster["ttl_expires_at"])
    details = [
        ("Name", cluster["name"]),
        ("ID", cluster["id"]),
        ("Status", cluster["status"]),
    ]
    if cluster.get("status_reason"):
        details.append(("Reason", cluster["status_reason"]))
    if cluster.get("queue_position") is not None:
        details.append(("Queue", waiting_for_slot(cluster["queue_position"])))
    if labels := cluster.get("labels"):
        details.append(("Labels", labels_text(labels)))
    return [
        *details,
        ("Kubernetes", cluster["kubernetes_version"]),
        ("Workers", str(cluster["workers"])),
        ("Created", f"{_local(created)} ({humanize(now - created)} ago)"),
        ("Expires", _local(expires) + _in(time_left(cluster, now))),
    ]


def labels_text(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def now() -> datetime:
    return datetime.now(UTC)


def _in(left: str) -> str:
    return {"-": "", "expired": " (expired)"}.get(left, f" (in {left})")


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")
