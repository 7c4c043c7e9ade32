"""The channel layer as configured (pyk8s.settings.CHANNEL_LAYERS), on the real Redis."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


@pytest.mark.usefixtures("fresh_channel_layer")
def test_a_receive_ends_whenever_it_is_cancelled():
    """Every socket's consumer, and the terminal relay, stop by cancelling a pending receive.
    A cancel that lands as redis-py finishes sending a command must end the receive too: with
    a socket timeout, redis-py sends through asyncio.wait_for, which on Python 3.11 drops such
    a cancel, and the receive then polls Redis for ever (a leaked consumer; a hung test)."""
    layer = get_channel_layer()

    async def cancel_after(steps: int, channel: str) -> bool:
        receive = asyncio.ensure_future(layer.receive(channel))
        for _ in range(steps):
            await asyncio.sleep(0)
        receive.cancel()
        done, _ = await asyncio.wait([receive], timeout=8)
        return bool(done)

    async def sweep() -> list[int]:
        channel = "test.cancel"
        await layer.send(channel, {"type": "warm.up"})
        await layer.receive(channel)  # the pool's connection is open: no I/O before a send
        return [steps for steps in range(40) if not await cancel_after(steps, channel)]

    assert async_to_sync(sweep)() == []
