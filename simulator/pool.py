"""An exact UniswapV3Pool (and Aerodrome Slipstream CLPool) state machine in Python ints.

``Pool`` holds what the contract stores that matters for prices, amounts and fees: slot0's price,
tick and packed protocol fee, active liquidity, fee growth (Q128.128, modulo 2**256), protocol fees,
ticks, the tick bitmap and positions. ``mint``/``burn``/``collect``/``swap`` follow the contract line
by line, including its rounding, its revert conditions (raised before any state changes) and the way
a swap steps through the bitmap one 256-tick-spacing word at a time.

Swaps run in two phases: ``quote_swap`` computes everything without touching the pool and returns a
``SwapResult`` (amounts, final state, crossed ticks, per-step log); ``apply_swap`` commits it. The
replay uses that to try the candidate readings of a Swap event without copying the pool.

Slipstream, as pool parameters: ``unstaked_fee`` (pips, out of 1e6) switches the fee split on; the
pool then tracks ``staked_liquidity`` (changed by ``stake`` and by crossing ticks' staked net), sends
the staked liquidity's share of each step's fee plus ``unstaked_fee`` of the rest to the gauge, and
grows fee growth for the unstaked liquidity only, as CLPool.calculateFees does. A per-swap ``fee_pips``
override stands in for Slipstream's dynamic fee module. Slipstream has no protocol fee.
"""

from __future__ import annotations

from typing import Protocol

from simulator._pool_types import PoolSnapshot, PositionInfo, SwapResult, TickInfo, TickSnapshot
from simulator.errors import InvalidPoolState
from simulator.fullmath import MAX_UINT128, Q128, UINT256_MOD, to_int128
from simulator.liquidity_math import add_delta
from simulator.sqrt_price_math import get_amount0_delta_signed, get_amount1_delta_signed
from simulator._swap_loop import run_swap as _run_swap
from simulator.tickmath import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

__all__ = [
    "FeeGrowthOutside", "Pool", "PoolSnapshot", "PositionInfo", "SwapResult", "TickInfo", "TickSnapshot",
    "fee_growth_inside",
]

_MOD128 = 1 << 128


def max_liquidity_per_tick(tick_spacing: int) -> int:
    """Tick.tickSpacingToMaxLiquidityPerTick: uint128 max shared by every usable tick."""
    min_tick = -(-MIN_TICK // tick_spacing) * tick_spacing  # Solidity division truncates toward zero
    max_tick = (MAX_TICK // tick_spacing) * tick_spacing
    num_ticks = (max_tick - min_tick) // tick_spacing + 1
    return MAX_UINT128 // num_ticks


class FeeGrowthOutside(Protocol):
    """What ``fee_growth_inside`` reads of a tick (``TickInfo`` and a snapshot's ``TickSnapshot`` have it)."""

    @property
    def fee_growth_outside0_x128(self) -> int: ...

    @property
    def fee_growth_outside1_x128(self) -> int: ...


def fee_growth_inside(
    global0: int, global1: int, tick: int,
    tick_lower: int, lower: FeeGrowthOutside, tick_upper: int, upper: FeeGrowthOutside,
) -> tuple[int, int]:
    """Tick.getFeeGrowthInside: fee growth (token0, token1) inside [tick_lower, tick_upper) at ``tick``,
    Q128.128 modulo 2**256, from the global fee growth and the two bounds' fee growth outside."""
    if tick >= tick_lower:
        below0, below1 = lower.fee_growth_outside0_x128, lower.fee_growth_outside1_x128
    else:
        below0, below1 = global0 - lower.fee_growth_outside0_x128, global1 - lower.fee_growth_outside1_x128
    if tick < tick_upper:
        above0, above1 = upper.fee_growth_outside0_x128, upper.fee_growth_outside1_x128
    else:
        above0, above1 = global0 - upper.fee_growth_outside0_x128, global1 - upper.fee_growth_outside1_x128
    return (global0 - below0 - above0) % UINT256_MOD, (global1 - below1 - above1) % UINT256_MOD


class Pool:
    """One concentrated-liquidity pool. Read the fields freely; change them only through the methods.

    ``fee`` and ``unstaked_fee`` in hundredths of a bip; ``tick_spacing`` in ticks; ``fee_protocol``
    packed as slot0 (token0 low 4 bits, token1 high 4); amounts in raw token units; prices Q64.96.
    """

    def __init__(
        self, fee: int, tick_spacing: int, sqrt_price_x96: int = 0, *, unstaked_fee: int | None = None
    ) -> None:
        if not 0 <= fee < 1_000_000 or tick_spacing <= 0:
            raise InvalidPoolState(f"bad pool parameters: fee {fee}, tick spacing {tick_spacing}")
        if unstaked_fee is not None and not 0 <= unstaked_fee <= 1_000_000:
            raise InvalidPoolState(f"unstaked fee {unstaked_fee} outside [0, 1e6]")
        self.fee = fee
        self.tick_spacing = tick_spacing
        self.max_liquidity_per_tick = max_liquidity_per_tick(tick_spacing)
        self.unstaked_fee = unstaked_fee
        self.sqrt_price_x96 = 0
        self.tick = 0
        self.liquidity = 0
        self.staked_liquidity = 0
        self.fee_protocol = 0
        self.fee_growth_global0_x128 = 0
        self.fee_growth_global1_x128 = 0
        self.protocol_fees0 = 0
        self.protocol_fees1 = 0
        self.gauge_fees0 = 0
        self.gauge_fees1 = 0
        self.ticks: dict[int, TickInfo] = {}
        self.tick_bitmap: dict[int, int] = {}
        self.positions: dict[tuple[str, int, int], PositionInfo] = {}
        if sqrt_price_x96:
            self.initialize(sqrt_price_x96)

    @classmethod
    def from_snapshot(cls, snapshot: PoolSnapshot) -> Pool:
        """A pool continuing from a chain snapshot (state and initialized ticks; no positions)."""
        pool = cls(snapshot.fee, snapshot.tick_spacing, unstaked_fee=snapshot.unstaked_fee)
        pool.sqrt_price_x96 = snapshot.sqrt_price_x96
        pool.tick = snapshot.tick
        pool.liquidity = snapshot.liquidity
        pool.staked_liquidity = snapshot.staked_liquidity
        pool.fee_protocol = snapshot.fee_protocol
        pool.fee_growth_global0_x128 = snapshot.fee_growth_global0_x128
        pool.fee_growth_global1_x128 = snapshot.fee_growth_global1_x128
        pool.protocol_fees0 = snapshot.protocol_fees0
        pool.protocol_fees1 = snapshot.protocol_fees1
        for t, info in snapshot.ticks.items():
            if t % snapshot.tick_spacing or not MIN_TICK <= t <= MAX_TICK or info.liquidity_gross <= 0:
                raise InvalidPoolState(f"snapshot tick {t} is not a usable initialized tick")
            pool.ticks[t] = TickInfo(
                info.liquidity_gross, info.liquidity_net, info.fee_growth_outside0_x128,
                info.fee_growth_outside1_x128, info.staked_liquidity_net,
            )  # fmt: skip
            pool._flip_tick(t)
        return pool

    def snapshot(self, block_number: int = 0) -> PoolSnapshot:
        """The pool's state as a snapshot (what a chain read at this point would give)."""
        ticks = {
            t: TickSnapshot(
                i.liquidity_net, i.liquidity_gross, i.fee_growth_outside0_x128, i.fee_growth_outside1_x128,
                i.staked_liquidity_net,
            )  # fmt: skip
            for t, i in sorted(self.ticks.items())
        }
        return PoolSnapshot(
            self.sqrt_price_x96, self.tick, self.liquidity, self.fee, self.tick_spacing, ticks,
            self.fee_protocol, self.fee_growth_global0_x128, self.fee_growth_global1_x128,
            self.protocol_fees0, self.protocol_fees1, block_number, self.unstaked_fee, self.staked_liquidity,
        )  # fmt: skip

    def initialize(self, sqrt_price_x96: int) -> int:
        """UniswapV3Pool.initialize: set the first price; returns the tick. Reverts 'AI' if already set."""
        if self.sqrt_price_x96 != 0:
            raise InvalidPoolState("pool already initialized", reason="AI")
        self.tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
        self.sqrt_price_x96 = sqrt_price_x96
        return self.tick

    def set_fee_protocol(self, fee_protocol0: int, fee_protocol1: int) -> None:
        """UniswapV3Pool.setFeeProtocol: denominators 0 (off) or 4..10 per token."""
        for value in (fee_protocol0, fee_protocol1):
            if not (value == 0 or 4 <= value <= 10):
                raise InvalidPoolState(f"fee protocol {value} not 0 or in 4..10")
        if self.unstaked_fee is not None and (fee_protocol0 or fee_protocol1):
            raise InvalidPoolState("Slipstream pools have no protocol fee")
        self.fee_protocol = fee_protocol0 + (fee_protocol1 << 4)

    def _require_initialized(self) -> None:
        if self.sqrt_price_x96 == 0:
            raise InvalidPoolState("pool not initialized", reason="LOK")

    def _flip_tick(self, tick: int) -> None:
        """TickBitmap.flipTick."""
        if tick % self.tick_spacing:
            raise InvalidPoolState(f"tick {tick} not a multiple of spacing {self.tick_spacing}")
        compressed = tick // self.tick_spacing
        word = compressed >> 8
        bits = self.tick_bitmap.get(word, 0) ^ (1 << (compressed & 0xFF))
        if bits:
            self.tick_bitmap[word] = bits
        else:
            self.tick_bitmap.pop(word, None)

    # ----- liquidity: mint, burn, collect ---------------------------------------------------------

    def mint(self, owner: str, tick_lower: int, tick_upper: int, liquidity: int) -> tuple[int, int]:
        """UniswapV3Pool.mint: add ``liquidity`` for ``owner``; returns the amounts owed, rounded up."""
        if liquidity <= 0:
            raise InvalidPoolState("mint amount must be positive")
        amount0, amount1 = self._modify_position(owner, tick_lower, tick_upper, to_int128(liquidity))
        return amount0, amount1

    def burn(self, owner: str, tick_lower: int, tick_upper: int, liquidity: int) -> tuple[int, int]:
        """UniswapV3Pool.burn: remove ``liquidity`` (0 = poke); amounts rounded down, credited as owed."""
        if liquidity < 0:
            raise InvalidPoolState("burn amount must not be negative")
        amount0, amount1 = self._modify_position(owner, tick_lower, tick_upper, -to_int128(liquidity))
        amount0, amount1 = -amount0, -amount1
        if amount0 > 0 or amount1 > 0:
            position = self.positions[(owner, tick_lower, tick_upper)]
            position.tokens_owed0 = (position.tokens_owed0 + amount0) % _MOD128
            position.tokens_owed1 = (position.tokens_owed1 + amount1) % _MOD128
        return amount0, amount1

    def collect(
        self, owner: str, tick_lower: int, tick_upper: int, amount0_requested: int, amount1_requested: int
    ) -> tuple[int, int]:
        """UniswapV3Pool.collect: pay out up to the requested owed tokens; returns what was paid."""
        position = self.positions.get((owner, tick_lower, tick_upper))
        if position is None:
            return 0, 0
        amount0 = min(amount0_requested, position.tokens_owed0)
        amount1 = min(amount1_requested, position.tokens_owed1)
        position.tokens_owed0 -= amount0
        position.tokens_owed1 -= amount1
        return amount0, amount1

    def adopt_position(self, owner: str, tick_lower: int, tick_upper: int, liquidity: int) -> PositionInfo:
        """Register a position minted before a snapshot: its liquidity is already in the ticks.

        It starts with no owed tokens and its fee growth inside as of now, so it earns from here on.
        """
        key = (owner, tick_lower, tick_upper)
        if key in self.positions:
            raise InvalidPoolState(f"position {key} already known")
        inside0, inside1 = self.fee_growth_inside(tick_lower, tick_upper)
        position = PositionInfo(liquidity, inside0, inside1)
        self.positions[key] = position
        return position

    def stake(
        self, tick_lower: int, tick_upper: int, liquidity_delta: int, *, positions: tuple[str, str] | None = None
    ) -> None:
        """Slipstream CLPool.stake: move ``liquidity_delta`` of a range into (or out of, < 0) the gauge.

        As the contract: the pool's staked liquidity changes only when the current tick is in
        [tick_lower, tick_upper); each tick gets the staked net only if it is initialized (an empty tick
        is skipped, not an error). ``positions`` = (nft, gauge) owners is the contract's
        ``positionUpdate``: the liquidity also moves from the position manager's position to the
        gauge's, the first credited its fees so far, the gauge's never (the gauge is paid through
        ``gauge_fees``). Everything is checked before anything changes, as the call reverts whole.
        """
        if self.unstaked_fee is None:
            raise InvalidPoolState("staking needs a Slipstream pool (unstaked_fee set)")
        staked = self.staked_liquidity
        if tick_lower <= self.tick < tick_upper:
            staked = add_delta(staked, liquidity_delta)
        moves = self._staking_moves(positions, tick_lower, tick_upper, liquidity_delta) if positions else []
        nets: dict[int, int] = {}
        for t, sign in ((tick_lower, 1), (tick_upper, -1)):
            info = self.ticks.get(t)
            if info is not None:
                nets[t] = to_int128(nets.get(t, info.staked_liquidity_net) + sign * liquidity_delta)
        self.staked_liquidity = staked
        for key, position, liquidity, credit_fees in moves:
            self.positions[key] = position
            self._update_position(position, tick_lower, tick_upper, liquidity, credit_fees=credit_fees)
        for t, net in nets.items():
            self.ticks[t].staked_liquidity_net = net

    def _staking_moves(
        self, owners: tuple[str, str], tick_lower: int, tick_upper: int, delta: int
    ) -> list[tuple[tuple[str, int, int], PositionInfo, int, bool]]:
        """The two Position.update calls of a stake, checked: (key, position, new liquidity, credits fees)."""
        nft, gauge = owners
        moves = []
        for owner, change, credit_fees in ((nft, -delta, True), (gauge, delta, False)):
            key = (owner, tick_lower, tick_upper)
            position = self.positions.get(key) or PositionInfo()
            if change == 0 and position.liquidity == 0:
                raise InvalidPoolState(f"poke of empty position {key}", reason="NP")
            moves.append((key, position, add_delta(position.liquidity, change), credit_fees))
        return moves

    def fee_growth_inside(self, tick_lower: int, tick_upper: int) -> tuple[int, int]:
        """Tick.getFeeGrowthInside at the current tick: (token0, token1), Q128.128 modulo 2**256."""
        empty = TickInfo()
        return fee_growth_inside(
            self.fee_growth_global0_x128, self.fee_growth_global1_x128, self.tick,
            tick_lower, self.ticks.get(tick_lower) or empty, tick_upper, self.ticks.get(tick_upper) or empty,
        )  # fmt: skip

    def _modify_position(self, owner: str, tick_lower: int, tick_upper: int, delta: int) -> tuple[int, int]:
        """UniswapV3Pool._modifyPosition: checks first, then updates ticks, position and liquidity."""
        self._require_initialized()
        _check_ticks(tick_lower, tick_upper)
        if delta != 0 and (tick_lower % self.tick_spacing or tick_upper % self.tick_spacing):
            raise InvalidPoolState(f"ticks {tick_lower}, {tick_upper} not multiples of {self.tick_spacing}")
        key = (owner, tick_lower, tick_upper)
        position = self.positions.get(key) or PositionInfo()
        if delta == 0 and position.liquidity == 0:
            raise InvalidPoolState(f"poke of empty position {key}", reason="NP")
        new_position_liquidity = add_delta(position.liquidity, delta)
        if delta != 0:
            lower = self._updated_tick(tick_lower, delta, upper=False)
            upper = self._updated_tick(tick_upper, delta, upper=True)
            amounts = self._amounts_for_delta(tick_lower, tick_upper, delta)
            new_liquidity = add_delta(self.liquidity, delta) if tick_lower <= self.tick < tick_upper else None
            self._store_tick(tick_lower, lower)
            self._store_tick(tick_upper, upper)
            if new_liquidity is not None:
                self.liquidity = new_liquidity
        else:
            amounts = (0, 0)
        self.positions[key] = position
        # fees inside are read with the updated ticks, before emptied ticks are cleared (as the contract)
        self._update_position(position, tick_lower, tick_upper, new_position_liquidity)
        for tick in (tick_lower, tick_upper):
            info = self.ticks.get(tick)
            if info is not None and info.liquidity_gross == 0:
                del self.ticks[tick]
        return amounts

    def _updated_tick(self, tick: int, delta: int, upper: bool) -> TickInfo:
        """Tick.update computed on a copy (so a revert changes nothing); reverts 'LO' past the cap."""
        old = self.ticks.get(tick)
        gross_before = old.liquidity_gross if old else 0
        gross_after = add_delta(gross_before, delta)
        if gross_after > self.max_liquidity_per_tick:
            raise InvalidPoolState(f"liquidity at tick {tick} above the per-tick maximum", reason="LO")
        if old is None:
            new = TickInfo()
            if tick <= self.tick:
                new.fee_growth_outside0_x128 = self.fee_growth_global0_x128
                new.fee_growth_outside1_x128 = self.fee_growth_global1_x128
        else:
            new = TickInfo(
                0, old.liquidity_net, old.fee_growth_outside0_x128, old.fee_growth_outside1_x128,
                old.staked_liquidity_net,
            )  # fmt: skip
        new.liquidity_gross = gross_after
        new.liquidity_net = to_int128(new.liquidity_net - delta if upper else new.liquidity_net + delta)
        return new

    def _store_tick(self, tick: int, info: TickInfo) -> None:
        """Write a tick back and flip the bitmap when it became (un)initialized (an emptied tick is
        cleared by ``_modify_position`` after the position's fees are read)."""
        was_initialized = tick in self.ticks
        self.ticks[tick] = info
        if was_initialized != (info.liquidity_gross != 0):
            self._flip_tick(tick)

    def _amounts_for_delta(self, tick_lower: int, tick_upper: int, delta: int) -> tuple[int, int]:
        """Signed token amounts for a liquidity change at the current price (owed to the pool if > 0)."""
        sqrt_lower = get_sqrt_ratio_at_tick(tick_lower)
        sqrt_upper = get_sqrt_ratio_at_tick(tick_upper)
        if self.tick < tick_lower:
            return get_amount0_delta_signed(sqrt_lower, sqrt_upper, delta), 0
        if self.tick < tick_upper:
            return (
                get_amount0_delta_signed(self.sqrt_price_x96, sqrt_upper, delta),
                get_amount1_delta_signed(sqrt_lower, self.sqrt_price_x96, delta),
            )
        return 0, get_amount1_delta_signed(sqrt_lower, sqrt_upper, delta)

    def _update_position(
        self, position: PositionInfo, tick_lower: int, tick_upper: int, liquidity: int, *, credit_fees: bool = True
    ) -> None:
        """Position.update: credit fees earned since the last update (Slipstream: not to the gauge's
        position, ``credit_fees=False``), then store the new liquidity and fee growth inside."""
        inside0, inside1 = self.fee_growth_inside(tick_lower, tick_upper)
        owed0 = owed1 = 0
        if credit_fees:
            owed0 = ((inside0 - position.fee_growth_inside0_last_x128) % UINT256_MOD) * position.liquidity // Q128
            owed1 = ((inside1 - position.fee_growth_inside1_last_x128) % UINT256_MOD) * position.liquidity // Q128
        position.liquidity = liquidity
        position.fee_growth_inside0_last_x128 = inside0
        position.fee_growth_inside1_last_x128 = inside1
        position.tokens_owed0 = (position.tokens_owed0 + owed0 % _MOD128) % _MOD128
        position.tokens_owed1 = (position.tokens_owed1 + owed1 % _MOD128) % _MOD128

    # ----- swaps -----------------------------------------------------------------------------------

    def swap(
        self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int, *, fee_pips: int | None = None
    ) -> SwapResult:
        """UniswapV3Pool.swap: ``amount_specified`` > 0 exact input, < 0 exact output; commits the result."""
        result = self.quote_swap(zero_for_one, amount_specified, sqrt_price_limit_x96, fee_pips=fee_pips)
        self.apply_swap(result)
        return result

    def quote_swap(
        self,
        zero_for_one: bool,
        amount_specified: int,
        sqrt_price_limit_x96: int,
        *,
        fee_pips: int | None = None,
        record_steps: bool = True,
    ) -> SwapResult:
        """Compute a swap without changing the pool (``apply_swap`` commits it).

        ``fee_pips`` overrides the pool fee for this swap (Slipstream's dynamic fee). Raises
        InvalidPoolState ('AS', 'SPL') where the contract's entry checks revert.
        """
        sqrt_p = self.sqrt_price_x96
        if sqrt_p == 0:
            raise InvalidPoolState("pool not initialized", reason="LOK")
        if amount_specified == 0:
            raise InvalidPoolState("swap amount is zero", reason="AS")
        if zero_for_one:
            valid_limit = MIN_SQRT_RATIO < sqrt_price_limit_x96 < sqrt_p
        else:
            valid_limit = sqrt_p < sqrt_price_limit_x96 < MAX_SQRT_RATIO
        if not valid_limit:
            raise InvalidPoolState(f"price limit {sqrt_price_limit_x96} on the wrong side", reason="SPL")
        fee = self.fee if fee_pips is None else fee_pips
        if not 0 <= fee < 1_000_000:
            raise InvalidPoolState(f"fee {fee} outside [0, 1e6)")
        return _run_swap(self, zero_for_one, amount_specified, sqrt_price_limit_x96, fee, record_steps)

    def apply_swap(self, result: SwapResult) -> None:
        """Commit a quoted swap: cross its ticks, then write price, tick, liquidity and fees."""
        g0, g1 = self.fee_growth_global0_x128, self.fee_growth_global1_x128
        ticks = self.ticks
        for tick, growth in result.crossed:
            info = ticks[tick]
            if result.zero_for_one:
                info.fee_growth_outside0_x128 = (growth - info.fee_growth_outside0_x128) % UINT256_MOD
                info.fee_growth_outside1_x128 = (g1 - info.fee_growth_outside1_x128) % UINT256_MOD
            else:
                info.fee_growth_outside0_x128 = (g0 - info.fee_growth_outside0_x128) % UINT256_MOD
                info.fee_growth_outside1_x128 = (growth - info.fee_growth_outside1_x128) % UINT256_MOD
        self.sqrt_price_x96 = result.sqrt_price_x96
        self.tick = result.tick
        self.liquidity = result.liquidity
        self.staked_liquidity = result.staked_liquidity
        if result.zero_for_one:
            self.fee_growth_global0_x128 = result.fee_growth_global_x128
            if result.protocol_fee:
                self.protocol_fees0 = (self.protocol_fees0 + result.protocol_fee) % _MOD128
            if result.gauge_fee:
                self.gauge_fees0 = (self.gauge_fees0 + result.gauge_fee) % _MOD128
        else:
            self.fee_growth_global1_x128 = result.fee_growth_global_x128
            if result.protocol_fee:
                self.protocol_fees1 = (self.protocol_fees1 + result.protocol_fee) % _MOD128
            if result.gauge_fee:
                self.gauge_fees1 = (self.gauge_fees1 + result.gauge_fee) % _MOD128


def _check_ticks(tick_lower: int, tick_upper: int) -> None:
    """UniswapV3Pool.checkTicks."""
    if tick_lower >= tick_upper:
        raise InvalidPoolState(f"tick_lower {tick_lower} >= tick_upper {tick_upper}", reason="TLU")
    if tick_lower < MIN_TICK:
        raise InvalidPoolState(f"tick_lower {tick_lower} below MIN_TICK", reason="TLM")
    if tick_upper > MAX_TICK:
        raise InvalidPoolState(f"tick_upper {tick_upper} above MAX_TICK", reason="TUM")
