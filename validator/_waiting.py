"""Waiting that yields to shutdown: every long wait in the daemon goes through these."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays after failures in a row: ``first_s * 2**(failures - 1)`` seconds, capped at ``max_s``."""

    first_s: float = 1.0
    max_s: float = 300.0

    def delay(self, failures: int) -> float:
        return float(min(self.max_s, self.first_s * 2.0 ** max(0, failures - 1)))


class Stopped(Exception):
    """The stop event was set while waiting."""


async def until_stopped(awaitable: Coroutine[Any, Any, T], stop: asyncio.Event) -> T:
    """Await ``awaitable`` unless ``stop`` is set first (then cancel it and raise ``Stopped``)."""
    if stop.is_set():
        awaitable.close()
        raise Stopped("stop requested")
    work = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:  # stopped, or cancelled from outside: neither wait may outlive this call
        stopper.cancel()
        work.cancel()  # a no-op when it finished
    if work in done:
        return work.result()
    raise Stopped("stop requested")


async def sleep_or_stop(seconds: float, stop: asyncio.Event) -> bool:
    """Sleep ``seconds``; return True early if ``stop`` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
        return True
    except TimeoutError:
        return False
