"""A replay started from a chain snapshot accepts the pre-snapshot fees a Collect pays out."""

from __future__ import annotations

import pytest

from simulator.errors import ReplayMismatch
from simulator.events import BurnEvent, CollectEvent
from simulator.pool import Pool
from simulator.replay import replay
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick

OWNER = "0xnpm"
POOL = "0xpool"


def _history() -> tuple[Pool, list[BurnEvent | CollectEvent], object]:
    """A real position earns fees, the chain is snapshotted, then the position is burned and collected."""
    chain = Pool(3000, 60, get_sqrt_ratio_at_tick(0))
    chain.mint(OWNER, -600, 600, 10**20)
    chain.mint("0xother", -6000, 6000, 10**20)
    for _ in range(5):
        chain.swap(True, 10**18, MIN_SQRT_RATIO + 1)
        chain.swap(False, 10**18, MAX_SQRT_RATIO - 1)
    snapshot = chain.snapshot(block_number=100)
    burned = chain.burn(OWNER, -600, 600, 10**20)
    collected = chain.collect(OWNER, -600, 600, 2**128 - 1, 2**128 - 1)
    assert collected[0] > burned[0]  # the collect pays fees earned before the snapshot too
    events = [
        BurnEvent(POOL, 101, 0, OWNER, -600, 600, 10**20, *burned),
        CollectEvent(POOL, 101, 1, OWNER, OWNER, -600, 600, *collected),
    ]
    return chain, events, snapshot


def test_snapshot_replay_credits_pre_snapshot_fees_at_collect() -> None:
    chain, events, snapshot = _history()
    pool = Pool.from_snapshot(snapshot)  # type: ignore[arg-type]
    result = replay(pool, events, from_snapshot=True)
    assert result.collects == 1 and result.pre_snapshot_fees >= 1
    assert (pool.sqrt_price_x96, pool.liquidity) == (chain.sqrt_price_x96, chain.liquidity)


def test_from_initialize_the_same_unexplained_collect_is_a_mismatch() -> None:
    pool = Pool(3000, 60, get_sqrt_ratio_at_tick(0))
    pool.mint(OWNER, -600, 600, 10**20)
    with pytest.raises(ReplayMismatch):
        replay(pool, [CollectEvent(POOL, 5, 0, OWNER, OWNER, -600, 600, 10, 10)])


def test_a_poke_of_a_partly_known_pre_snapshot_position_changes_nothing() -> None:
    chain = Pool(3000, 60, get_sqrt_ratio_at_tick(0))
    chain.mint(OWNER, -600, 600, 2 * 10**20)
    snapshot = chain.snapshot(block_number=10)
    burned = chain.burn(OWNER, -600, 600, 10**20)  # a partial decrease of the shared NPM position
    chain.burn(OWNER, -600, 600, 0)  # the position manager's poke before its collect
    events = [BurnEvent(POOL, 11, 0, OWNER, -600, 600, 10**20, *burned),
              BurnEvent(POOL, 11, 1, OWNER, -600, 600, 0, 0, 0)]
    pool = Pool.from_snapshot(snapshot)
    replay(pool, events, from_snapshot=True)
    assert (pool.liquidity, pool.sqrt_price_x96) == (chain.liquidity, chain.sqrt_price_x96)
