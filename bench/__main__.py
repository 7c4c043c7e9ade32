"""`python -m bench [NAME ...]` (`make bench`): runs the benchmarks on a database of their
own, writes bench/results/latest.json and latest.md and prints the table.

The environment is the Makefile's test environment: DATABASE_URL names the server (the
database PYK8S_TEST_DB_NAME is created, migrated and dropped here) and PYK8S_REDIS_PREFIX
the Redis keys, deleted at the end.
"""

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django

django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request drowns the progress

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench import (  # noqa: E402
    api,
    cli,
    expiry,
    fanout,
    frontend,
    orchestration,
    real_kind,
    throughput,
    warm_pool,
)
from bench.harness import RESULTS, Figure, cpu_count  # noqa: E402
from bench.report import markdown_table  # noqa: E402
from tests.conftest import flush_redis_prefix  # noqa: E402

BENCHMARKS: dict[str, Callable[[Path, argparse.Namespace], list[Figure]]] = {
    "orchestration": lambda work, args: orchestration.run(work, args.clusters),
    "throughput": lambda work, args: throughput.run(work, args.burst, args.concurrency),
    "api": lambda work, args: api.run(work),
    "fanout": lambda work, args: fanout.run(work, args.connections),
    "expiry": lambda work, args: expiry.run(work, args.rows, args.expired),
    "cli": lambda work, args: cli.run(work),
    "warm_pool": lambda work, args: warm_pool.run(work),
    "frontend": lambda work, args: frontend.run(work),
    "real_kind": lambda work, args: real_kind.run(work),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--clusters", type=int, default=200, help="orchestration samples")
    parser.add_argument("--burst", type=int, default=200, help="creates per throughput burst")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--connections", type=int, default=1000, help="/ws connections")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--expired", type=int, default=1_000)
    args = parser.parse_args()
    if not settings.DATABASES["default"].get("TEST", {}).get("NAME"):
        parser.error("run it with `make bench` (it needs the Makefile's test environment)")
    names = args.names or list(BENCHMARKS)
    if unknown := set(names) - set(BENCHMARKS):
        parser.error(f"unknown benchmarks {sorted(unknown)}; choose from {', '.join(BENCHMARKS)}")

    figures: list[Figure] = []
    timings: dict[str, float] = {}
    # Kept after the run (git-ignored): each benchmark's process logs and tool outputs.
    work = RESULTS / "work"
    shutil.rmtree(work, ignore_errors=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for name in names:
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            started = time.monotonic()
            try:
                figures += BENCHMARKS[name](work / name, args)
            except Exception as exc:  # one broken benchmark must not lose the others' figures
                traceback.print_exc()
                figures.append(
                    Figure(
                        name=f"{name}: did not finish",
                        value=0,
                        unit="",
                        met=False,
                        details={"error": repr(exc)},
                    )
                )
            timings[name] = time.monotonic() - started
            _flush_database()
    finally:
        connection.close()
        # The pool's idle connections would keep the database from being dropped
        # (close_pool: PostgreSQL's wrapper only).
        connection.close_pool()  # type: ignore[attr-defined]
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)
        flush_redis_prefix(settings.REDIS_URL, settings.PYK8S_REDIS_PREFIX)

    machine = f"{platform.processor() or platform.machine()}, {cpu_count()} CPUs"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "python": platform.python_version(),
                "seconds": timings,
                "figures": [{**asdict(f), "ratio": f.ratio} for f in figures],
            },
            indent=2,
            default=str,
        )
    )
    table = markdown_table(figures, machine)
    (RESULTS / "latest.md").write_text(table)
    print(table)
    return 0 if all(f.met is not False for f in figures) else 1


def _flush_database() -> None:
    """Each benchmark starts from an empty database (migrations' own rows kept)."""
    from accounts.models import User
    from clusters.models import Cluster, WorkerHost

    Cluster.objects.all().delete()
    WorkerHost.objects.all().delete()
    User.objects.all().delete()


if __name__ == "__main__":
    sys.exit(main())
