"""The product's settings plus a bench-only URLconf (the baseline view); never deployed."""

from pyk8s.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
