"""Races on purpose: the same call in several threads, released together."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

T = TypeVar("T")
TIMEOUT_SECONDS = 60


def run_at_once(call: Callable[[int], T], count: int) -> list[T]:
    """call(0), ..., call(count - 1), each in a thread of its own (with its own database
    connection, closed after), all released together by a barrier. Returns their results in
    that order; an exception in any thread is raised here, so it fails the test."""
    barrier = threading.Barrier(count)

    def run(number: int) -> T:
        try:
            barrier.wait(timeout=TIMEOUT_SECONDS)
            return call(number)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run, number) for number in range(count)]
        return [future.result(timeout=TIMEOUT_SECONDS) for future in futures]
