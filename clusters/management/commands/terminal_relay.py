import asyncio
import signal
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand

from clusters.relay import Relay


class Command(BaseCommand):
    help = (
        "Run the terminal relay of this Docker host (PYK8S_WORKER_HOST): it starts a container "
        "per terminal session and relays its bytes. One per host, next to the worker."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Relay(host=settings.PYK8S_WORKER_HOST, layer=get_channel_layer()).run(stop)
