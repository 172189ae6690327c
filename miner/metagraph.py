"""Keeping the roster fresh on finney/test: read the subnet's neurons, off the request path.

``MetagraphWatcher.run`` refreshes the roster every ``refresh_s`` seconds with bittensor 10.5's
``AsyncSubtensor.neurons_lite``; a failed refresh is logged and the previous roster stays in use
(a miner keeps serving the validators it knew through a subtensor outage), retried after a back-off.
Until the first read succeeds every caller is refused with "metagraph not loaded yet".
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from loguru import logger

from miner.blacklist import Caller, Roster

RETRY_S = 15.0
"""Seconds before retrying a failed refresh (capped at the refresh interval)."""


def roster_of(neurons: Iterable[Any], block: int) -> Roster:
    """A roster from bittensor ``NeuronInfoLite`` objects (null placeholders are skipped)."""
    callers = [
        Caller(str(n.hotkey), int(n.uid), float(n.total_stake.tao), bool(n.validator_permit))
        for n in neurons
        if not getattr(n, "is_null", False)
    ]
    return Roster.of(callers, block)


class MetagraphWatcher:
    """Holds the latest roster of ``netuid`` on ``network`` and refreshes it in the background."""

    def __init__(self, network: str, netuid: int, *, refresh_s: float, call_timeout_s: float = 60.0) -> None:
        self.network = network
        self.netuid = netuid
        self.refresh_s = refresh_s
        self.call_timeout_s = call_timeout_s
        self._roster = Roster.not_loaded()

    def roster(self) -> Roster:
        """The current snapshot (a ``RosterSource``)."""
        return self._roster

    async def refresh(self) -> Roster:
        """Read the neurons once and make them the current roster; raises on any chain trouble."""
        from bittensor.core.async_subtensor import AsyncSubtensor

        async with asyncio.timeout(self.call_timeout_s):
            async with AsyncSubtensor(network=self.network) as subtensor:
                block = int(await subtensor.get_current_block())
                neurons = await subtensor.neurons_lite(self.netuid)
        roster = roster_of(neurons, block)
        if not roster.callers:
            raise LookupError(f"netuid {self.netuid} has no neurons on {self.network}")
        self._roster = roster
        logger.info("metagraph netuid={} block={} neurons={} validators={}", self.netuid, block,
                    len(roster.callers), sum(c.validator_permit for c in roster.callers.values()))
        return roster

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh until ``stop`` is set; errors are logged, never raised."""
        while not stop.is_set():
            try:
                await self.refresh()
                wait = self.refresh_s
            except Exception as exc:  # subtensor trouble of any kind: keep the old roster, retry
                wait = min(RETRY_S, self.refresh_s)
                logger.warning("metagraph refresh failed ({}: {}); retrying in {:.0f}s", type(exc).__name__, exc, wait)
            try:
                await asyncio.wait_for(stop.wait(), wait)
            except TimeoutError:
                continue
