"""The devchain fault proxy (``tests.chain.fault_proxy.FaultProxy``) on an event loop of its own.

A test that drives a daemon process and polls its database with blocking calls cannot host the
proxy on its own loop (the proxy would stall while the test sleeps): here it runs in a thread.

    with threaded_fault_proxy(devchain.rpc_url, ["ok", "429"]) as proxy:
        proxy.url; proxy.seen; set_schedule(proxy, ["429"])
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from itertools import cycle

from tests.chain.fault_proxy import FaultProxy


def set_schedule(proxy: FaultProxy, faults: list[str]) -> None:
    """Replace the proxy's cyclic fault schedule (takes effect at its next request)."""
    proxy._schedule = cycle(faults)  # one attribute swap: safe to do from another thread


@contextlib.contextmanager
def threaded_fault_proxy(upstream: str, schedule: list[str], *, delay_s: float = 3.0) -> Iterator[FaultProxy]:
    loop = asyncio.new_event_loop()
    proxy = FaultProxy(upstream, schedule, delay_s=delay_s)
    started = threading.Event()
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with proxy:
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    if not started.wait(timeout=30):
        raise RuntimeError("the fault proxy did not start")
    try:
        yield proxy
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()
