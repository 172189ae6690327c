"""Slipstream stakes in a replay: ``StakeEvent`` records (what the gauge's logs show; CLPool.stake emits
no pool event) keep the staked liquidity, the ticks' staked nets and so the gauge/LP fee split exact.

The "chain" is our own ``Pool`` driven through a history like an ALM's on Base: positions deposited
into the gauge, swaps across the staked ranges, a withdraw then burn, a mint then stake to the gauge
(``increaseStakedLiquidity``) and a partial unstake (``decreaseStakedLiquidity``). Every operation is
recorded as the event the chain sources deliver for it.
"""

from __future__ import annotations

import pytest

from simulator.errors import EventSourceError, ReplayMismatch
from simulator.events import BurnEvent, CollectEvent, MintEvent, PoolEvent, StakeEvent, SwapEvent
from simulator.pool import Pool, PoolSnapshot
from simulator.replay import replay
from simulator.tickmath import get_sqrt_ratio_at_tick

E18 = 10**18
POOL = "0xpool"
NPM, GAUGE, LP = "0xnpm", "0xgauge", "0xlp"
SNAPSHOT_BLOCK = 100


class _Chain:
    """A Slipstream pool whose operations are recorded as the events a chain source would deliver."""

    def __init__(self) -> None:
        self.pool = Pool(500, 10, get_sqrt_ratio_at_tick(0), unstaked_fee=100_000)
        self.events: list[PoolEvent] = []
        self.block = 1
        self.index = 0

    def _at(self) -> tuple[str, int, int]:
        self.index += 1
        return POOL, self.block, self.index

    def next_block(self) -> None:
        self.block, self.index = self.block + 1, 0

    def mint(self, owner: str, lower: int, upper: int, liquidity: int) -> None:
        amounts = self.pool.mint(owner, lower, upper, liquidity)
        self.events.append(MintEvent(*self._at(), owner, lower, upper, liquidity, *amounts))

    def burn(self, owner: str, lower: int, upper: int, liquidity: int) -> None:
        amounts = self.pool.burn(owner, lower, upper, liquidity)
        self.events.append(BurnEvent(*self._at(), owner, lower, upper, liquidity, *amounts))

    def collect(self, owner: str, lower: int, upper: int) -> None:
        amounts = self.pool.collect(owner, lower, upper, 2**128 - 1, 2**128 - 1)
        self.events.append(CollectEvent(*self._at(), owner, owner, lower, upper, *amounts))

    def stake(self, lower: int, upper: int, delta: int, *, moves_position: bool) -> None:
        owners = (NPM, GAUGE) if moves_position else None
        self.pool.stake(lower, upper, delta, positions=owners)
        nft, gauge = owners or ("", "")
        self.events.append(StakeEvent(*self._at(), lower, upper, delta, nft=nft, gauge=gauge))

    def swap(self, zero_for_one: bool, amount: int, to_tick: int) -> None:
        r = self.pool.swap(zero_for_one, amount, get_sqrt_ratio_at_tick(to_tick))
        self.events.append(SwapEvent(*self._at(), r.amount0, r.amount1, r.sqrt_price_x96, r.liquidity, r.tick))

    def deposit(self, lower: int, upper: int, liquidity: int) -> None:
        """CLGauge.deposit: the position manager's collect (a poke and a collect), then the stake."""
        self.burn(NPM, lower, upper, 0)
        self.collect(NPM, lower, upper)
        self.stake(lower, upper, liquidity, moves_position=True)

    def withdraw(self, lower: int, upper: int, liquidity: int) -> None:
        """CLGauge.withdraw: the collect on the gauge's position, then the unstake."""
        self.burn(GAUGE, lower, upper, 0)
        self.collect(GAUGE, lower, upper)
        self.stake(lower, upper, -liquidity, moves_position=True)


def _history() -> tuple[_Chain, PoolSnapshot, int, int]:
    """The chain after the whole history, its snapshot at ``SNAPSHOT_BLOCK``, and the gauge fees then."""
    chain = _Chain()
    chain.mint(NPM, -600, 600, 10 * E18)
    chain.mint(NPM, -200, 200, 5 * E18)
    chain.mint(LP, -3000, 3000, 20 * E18)
    chain.deposit(-600, 600, 10 * E18)
    chain.next_block()
    chain.swap(True, E18, -400)
    chain.swap(False, E18, 300)
    chain.block = SNAPSHOT_BLOCK
    snapshot = chain.pool.snapshot(SNAPSHOT_BLOCK)
    fees_then = (chain.pool.gauge_fees0, chain.pool.gauge_fees1)
    chain.next_block()
    chain.deposit(-200, 200, 5 * E18)
    chain.swap(True, 3 * E18, -800)  # crosses 200, -200 and -600 with their staked nets
    chain.swap(False, 3 * E18, 800)
    chain.next_block()
    chain.withdraw(-600, 600, 10 * E18)  # the ALM's rebalance: unstake, burn, mint, stake
    chain.burn(NPM, -600, 600, 10 * E18)
    chain.collect(NPM, -600, 600)
    chain.mint(NPM, -1000, 400, 8 * E18)
    chain.deposit(-1000, 400, 8 * E18)
    chain.next_block()
    chain.swap(True, 2 * E18, -900)
    chain.mint(GAUGE, -200, 200, E18)  # increaseStakedLiquidity: the mint goes to the gauge's position
    chain.stake(-200, 200, E18, moves_position=False)
    chain.burn(GAUGE, -200, 200, 2 * E18)  # decreaseStakedLiquidity
    chain.stake(-200, 200, -2 * E18, moves_position=False)
    chain.swap(False, 4 * E18, 700)
    chain.swap(True, 4 * E18, -700)
    return chain, snapshot, *fees_then


def _window(chain: _Chain) -> list[PoolEvent]:
    return [e for e in chain.events if e.block_number > SNAPSHOT_BLOCK]


def _staked_nets(pool: Pool) -> dict[int, tuple[int, int]]:
    return {t: (i.liquidity_net, i.staked_liquidity_net) for t, i in sorted(pool.ticks.items())}


def test_a_snapshot_replay_with_the_window_stakes_ends_in_the_chains_exact_state() -> None:
    chain, snapshot, gauge0, gauge1 = _history()
    pool = Pool.from_snapshot(snapshot)
    result = replay(pool, _window(chain), from_snapshot=True)
    assert result.stakes == 5
    assert pool.staked_liquidity == chain.pool.staked_liquidity > 0
    assert _staked_nets(pool) == _staked_nets(chain.pool)
    assert (pool.sqrt_price_x96, pool.tick, pool.liquidity) == (
        chain.pool.sqrt_price_x96, chain.pool.tick, chain.pool.liquidity)
    assert (pool.fee_growth_global0_x128, pool.fee_growth_global1_x128) == (
        chain.pool.fee_growth_global0_x128, chain.pool.fee_growth_global1_x128)
    assert (pool.gauge_fees0, pool.gauge_fees1) == (chain.pool.gauge_fees0 - gauge0, chain.pool.gauge_fees1 - gauge1)


def test_without_the_stakes_the_snapshot_replay_gets_the_fee_split_wrong() -> None:
    chain, snapshot, _, _ = _history()
    pool = Pool.from_snapshot(snapshot)
    replay(pool, [e for e in _window(chain) if not isinstance(e, StakeEvent)], from_snapshot=True)
    # the swaps still reproduce (the split does not move the price), but the staked liquidity
    # is the snapshot's, stale since the withdraw, so LPs' fee growth and the gauge's share are wrong
    assert pool.staked_liquidity != chain.pool.staked_liquidity
    assert _staked_nets(pool) != _staked_nets(chain.pool)
    assert pool.fee_growth_global0_x128 != chain.pool.fee_growth_global0_x128


def test_a_replay_from_the_first_event_moves_positions_between_the_manager_and_the_gauge() -> None:
    chain, _, _, _ = _history()
    pool = Pool(500, 10, get_sqrt_ratio_at_tick(0), unstaked_fee=100_000)
    replay(pool, chain.events)
    assert pool.gauge_fees0 == chain.pool.gauge_fees0 and pool.gauge_fees1 == chain.pool.gauge_fees1
    for key, position in chain.pool.positions.items():
        mine = pool.positions[key]
        assert (mine.liquidity, mine.tokens_owed0, mine.tokens_owed1) == (
            position.liquidity, position.tokens_owed0, position.tokens_owed1), key


def test_an_unstake_of_more_than_is_staked_in_range_is_a_mismatch_naming_the_stake() -> None:
    pool = Pool(500, 10, get_sqrt_ratio_at_tick(0), unstaked_fee=100_000)
    pool.mint(NPM, -100, 100, E18)
    with pytest.raises(ReplayMismatch, match="Stake at block 7 log 3"):
        replay(pool, [StakeEvent(POOL, 7, 3, -100, 100, -E18)])


def test_a_stake_on_a_uniswap_pool_is_an_error_naming_the_event() -> None:
    pool = Pool(500, 10, get_sqrt_ratio_at_tick(0))
    with pytest.raises(EventSourceError, match="block 7 log 3"):
        replay(pool, [StakeEvent(POOL, 7, 3, -100, 100, E18)])
