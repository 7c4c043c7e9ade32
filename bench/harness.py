"""What every benchmark needs: the stack's processes on the bench database, users and
tokens, percentiles, and the shape of a result."""

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.services import websocket_ticket_issue
from tests.stack import Stack, stack_env

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """One measured figure, its baseline and the target it is judged by."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": at(50),
        "p95": at(95),
        "p99": at(99),
        "mean": statistics.fmean(ordered),
    }


@contextmanager
def running_stack(log_dir: Path) -> Iterator[Stack]:
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(log_dir, {**stack_env(), "DJANGO_SETTINGS_MODULE": "bench.settings"})
    try:
        yield stack
    finally:
        stack.stop()


def users(count: int, prefix: str) -> list[User]:
    """Users without a usable login (benchmarks mint their tokens): fast to create."""
    password = make_password(None)
    User.objects.bulk_create(
        [User(email=f"{prefix}-{n}@bench.example", password=password) for n in range(count)]
    )
    return list(User.objects.filter(email__startswith=f"{prefix}-").order_by("id"))


def token(user: User) -> str:
    return str(AccessToken.for_user(user))


def with_ticket(ws_url: str, access: str) -> str:
    """`ws_url` with a /ws ticket for this access token, issued in this process (it shares
    the stack's Redis) without a database query, so async code may call it too."""
    token = AccessToken(access)  # type: ignore[arg-type]
    ticket = websocket_ticket_issue(user=User(pk=token["user_id"]), credential=token)
    return f"{ws_url}?ticket={ticket}"


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def product_env(**overrides: object) -> dict[str, object]:
    """Limits out of the way: benchmarks measure speed, not quotas."""
    return {
        "PYK8S_MAX_CLUSTERS_PER_USER": 30_000,
        "PYK8S_HOST_MAX_CLUSTERS": 30_000,
        "PYK8S_QUEUE_MAX_WAIT_SECONDS": 86_400,
        **overrides,
    }


def cpu_count() -> int:
    return len(os.sched_getaffinity(0))
