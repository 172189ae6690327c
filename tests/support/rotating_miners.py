"""Miner forwards for load runs: an honest cheap strategy, and misbehaviour that rotates.

A rotating miner commits the next fault of ``FAULTS`` on each query it receives (starting at its own
offset), so over a run every fault is seen and no miner is always the same kind of bad:
slower than the validator's timeout, garbage positions, a refusal, an allocation above inventory,
or a crash (HTTP 500).

No `from __future__ import annotations`: the Axon reads the forward's annotation as a class.
"""

import itertools
import zlib
from collections.abc import Awaitable, Callable

from protocol.synapse import RebalanceQuery
from tests.support import scripted_miners

Forward = Callable[[RebalanceQuery], Awaitable[RebalanceQuery]]
FAULTS = ("timeout", "garbage", "refusal", "over_allocation", "crash")


async def _garbage(synapse: RebalanceQuery) -> RebalanceQuery:
    synapse.__dict__["desired_positions"] = [{"tick_lower": "x" * 200, "tick_upper": [1, {"a": None}],
                                              "allocation0": "1e30", "allocation1": -5}]
    return synapse


_BY_FAULT: dict[str, Forward] = {
    "timeout": scripted_miners.slow,  # 30 s, far above any timeout a load run uses
    "garbage": _garbage,
    "refusal": scripted_miners.refuse,
    "over_allocation": scripted_miners.greedy,
    "crash": scripted_miners.raising,
}


def rotating(offset: int) -> Forward:
    """A forward that misbehaves on every query, in a way that changes from query to query."""
    served = itertools.count(offset)

    async def rotating_forward(synapse: RebalanceQuery) -> RebalanceQuery:
        fault = FAULTS[next(served) % len(FAULTS)]
        return await _BY_FAULT[fault](synapse)

    return rotating_forward


def plan(count: int, misbehaving_share: float) -> list[str]:
    """Behaviour names for ``count`` miners: every ``1/share``-th one rotates, the rest are sensible.

    Spreading the bad ones evenly keeps them on every farm process."""
    if misbehaving_share <= 0:
        return ["sensible"] * count
    step = max(1, round(1 / misbehaving_share))
    return ["rotating" if i % step == step - 1 else "sensible" for i in range(count)]


def forward_named(name: str, uid: int) -> Forward:
    """The forward for a behaviour name of ``plan`` or of ``scripted_miners``."""
    if name == "rotating":
        # A hashed start: with evenly spread uids (every 10th) a plain ``uid`` offset would put all
        # rotating miners on the same fault at the same checkpoint.
        return rotating(zlib.crc32(str(uid).encode()))
    forward: Forward = getattr(scripted_miners, name)
    return forward
