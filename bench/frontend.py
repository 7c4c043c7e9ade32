"""7. Dashboard weight: the JavaScript a browser fetches to show each page for the first time,
as the product serves it (gzip), against the same scripts uncompressed. Module scripts only:
the `noModule` polyfills are for old browsers, and current ones skip them."""

import re
from pathlib import Path
from typing import Any

from django.test import Client

from bench.harness import Figure

PAGES = {"dashboard": "/", "cluster page": "/cluster/", "login": "/login/"}
TARGET_KB = 150  # the aim, in kB of 1,000 bytes
# Every script the page names: its <script src>, its preloads and those in its inline payload.
_SCRIPT = re.compile(r"/_next/static/[^\"'\s\\]+\.js")
_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def run(work: Path) -> list[Figure]:
    client = Client(SERVER_NAME="localhost")  # one of the ALLOWED_HOSTS
    figures = []
    for page, path in PAGES.items():
        scripts = first_load_scripts(_fetch(client, path).content.decode())
        if not scripts:
            raise RuntimeError(f"{path} names no script: is frontend/out a Next.js export?")
        served = sum(len(_fetch(client, s, gzip=True).content) for s in scripts)
        raw = sum(len(b"".join(_fetch(client, s).streaming_content)) for s in scripts)
        figures.append(
            Figure(
                name=f"dashboard first-load JS, {page} (gzip, as served)",
                value=served / 1000,
                unit="kB",
                baseline=raw / 1000,
                baseline_name="the same scripts uncompressed",
                target=f"<= {TARGET_KB} kB",
                met=served / 1000 <= TARGET_KB,
                details={"scripts": scripts},
            )
        )
    return figures


def first_load_scripts(html: str) -> list[str]:
    legacy = {
        src
        for tag in _TAG.findall(html)
        if "nomodule" in tag.lower()
        for src in _SCRIPT.findall(tag)
    }
    return sorted(set(_SCRIPT.findall(html)) - legacy)


def _fetch(client: Client, path: str, *, gzip: bool = False) -> Any:
    response = client.get(path, headers={"Accept-Encoding": "gzip"} if gzip else None)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return response
