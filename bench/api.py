"""3. API: GET /clusters/ for a user with 50 clusters under 32 concurrent clients (wrk),
against a trivial Django JSON view served by the same daphne in the same run; the same list
with an API token instead of a JWT; plus the queries per request with 1 and with 50 clusters.

This machine's speed drifts by a third within minutes, so the two views are loaded in
turns (ROUNDS of each) and each figure is the median over the rounds."""

import re
import shutil
import statistics
import subprocess
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import api_tokens
from bench.harness import Figure, product_env, running_stack, token, users
from clusters.models import Cluster

CLIENTS = 32
ROUNDS = 5
SECONDS = 4  # per round and view
CLUSTERS = 50


def ensure_wrk() -> str:
    """wrk from Debian; installed here when missing (root, as on this project's machines)."""
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return "wrk"


def run(work: Path) -> list[Figure]:
    wrk = ensure_wrk()
    (user,) = users(1, "api")
    queries = {n: _queries_per_list(user, n) for n in (1, CLUSTERS)}
    api_token = api_tokens.api_token_create(
        user=user, name="bench", scope="clusters:read", expires_at=api_tokens.default_expiry()
    ).secret
    with running_stack(work / "logs") as stack:
        stack.start_web("web", **product_env())
        jwt = f"Authorization: Bearer {token(user)}"
        loads = [
            (f"{stack.web_url}/bench/trivial", jwt),
            (f"{stack.web_url}/clusters/", jwt),
            (f"{stack.web_url}/clusters/", f"Authorization: Bearer {api_token}"),
        ]
        for url, header in loads:  # a warm-up, so imports are done and connections open
            subprocess.run([wrk, "-t2", "-c4", "-d2s", "-H", header, url], capture_output=True)
        rounds = [[_load(wrk, url, header) for url, header in loads] for _ in range(ROUNDS)]
    baseline, measured, with_api_token = (_medians([run[i] for run in rounds]) for i in (0, 1, 2))
    ratios = [
        clusters["requests_per_second"] / trivial["requests_per_second"]
        for trivial, clusters, _ in rounds
    ]
    token_ratio = with_api_token["requests_per_second"] / measured["requests_per_second"]
    return [
        Figure(
            name=f"GET /clusters/ ({CLUSTERS} clusters, {CLIENTS} clients) req/s",
            value=measured["requests_per_second"],
            unit="req/s",
            baseline=baseline["requests_per_second"],
            baseline_name="trivial Django JSON view, same daphne",
            target="ratio >= 0.5",
            met=measured["requests_per_second"] / baseline["requests_per_second"] >= 0.5,
            details={
                "ratio_per_round": ratios,
                "rounds": [
                    {"trivial": trivial, "clusters": clusters} for trivial, clusters, _ in rounds
                ],
            },
        ),
        Figure(
            name=f"GET /clusters/ with an API token ({CLIENTS} clients) req/s",
            value=with_api_token["requests_per_second"],
            unit="req/s",
            baseline=measured["requests_per_second"],
            baseline_name="the same with a JWT",
            target="ratio >= 0.8",
            met=token_ratio >= 0.8,
            details={"p99_ms": with_api_token["p99_ms"], "jwt_p99_ms": measured["p99_ms"]},
        ),
        Figure(
            name="GET /clusters/ p99",
            value=measured["p99_ms"],
            unit="ms",
            baseline=baseline["p99_ms"],
            baseline_name="trivial view p99",
            target="p99 <= 100 ms",
            met=measured["p99_ms"] <= 100,
        ),
        Figure(
            name=f"queries per GET /clusters/ with {CLUSTERS} clusters",
            value=queries[CLUSTERS],
            unit="queries",
            baseline=queries[1],
            baseline_name="with 1 cluster",
            target="constant",
            met=queries[CLUSTERS] == queries[1],
        ),
    ]


def _queries_per_list(user, count: int) -> int:
    have = Cluster.objects.filter(owner=user).count()
    Cluster.objects.bulk_create(
        [
            Cluster(
                owner=user,
                name=f"a{n}",
                runtime_name=f"pk-api{n:08x}",
                status="RUNNING",
                kubernetes_version="1.33.1",
                ttl_expires_at=timezone.now() + timedelta(hours=1),
            )
            for n in range(have, count)
        ]
    )
    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token(user)}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/clusters/")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == count
    return len(captured)


def _medians(loads: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(load[key] for load in loads) for key in loads[0]}


def _load(wrk: str, url: str, header: str) -> dict[str, float]:
    output = subprocess.run(
        [wrk, "-t2", f"-c{CLIENTS}", f"-d{SECONDS}s", "--latency", "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url} answered {errors.group(1)} errors under load:\n{output}")
    return {
        "requests_per_second": float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        "p50_ms": _ms(_find(r"50%\s+([\d.]+\w+)", output)),
        "p99_ms": _ms(_find(r"99%\s+([\d.]+\w+)", output)),
    }


def _find(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"no {pattern!r} in wrk's output:\n{output}")
    return found.group(1)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
