"""The swap loop of UniswapV3Pool.swap, as one tight function (the hot path of exact replay).

It reads the pool but writes nothing: crossed ticks are returned with the fee growth at the crossing
and ``Pool.apply_swap`` commits them. It is one long function on purpose: attribute lookups and calls
cost more than the integer arithmetic here, so the pool's fields are hoisted into locals once and
the tick bitmap search is inlined. Each step mirrors the contract: find the next initialized tick
within one bitmap word, clamp to [MIN_TICK, MAX_TICK], step toward it (or the limit) with
``compute_swap_step``, take the protocol fee (or Slipstream's gauge share), grow fee growth modulo
2**256, and on reaching the tick cross it (``tick = tickNext - 1`` when moving down).
"""

from __future__ import annotations

from math import floor, log
from typing import TYPE_CHECKING

from simulator._pool_types import SwapResult
from simulator.errors import MathOverflow
from simulator.fullmath import MAX_INT256, MAX_UINT128, MAX_UINT256
from simulator.swap_math import compute_swap_step
from simulator.tickmath import (
    LOG_Q96,
    LOG_SQRT_10001,
    MAX_TICK,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

if TYPE_CHECKING:
    from simulator.pool import Pool

_PIPS = 1_000_000
_new_tuple = tuple.__new__


def run_swap(  # noqa: C901 - the contract's loop, kept whole for speed (see module docstring)
    pool: Pool, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int, fee: int, record_steps: bool
) -> SwapResult:
    """Run the swap loop on ``pool``'s state; entry checks are the caller's (``Pool.quote_swap``)."""
    bitmap = pool.tick_bitmap
    ticks = pool.ticks
    spacing = pool.tick_spacing
    unstaked_fee = pool.unstaked_fee
    fee_protocol = (pool.fee_protocol & 0xF) if zero_for_one else (pool.fee_protocol >> 4)
    growth = pool.fee_growth_global0_x128 if zero_for_one else pool.fee_growth_global1_x128
    exact_input = amount_specified > 0
    remaining = amount_specified
    calculated = 0
    sqrt_p = pool.sqrt_price_x96
    tick = pool.tick
    liquidity = pool.liquidity
    staked = pool.staked_liquidity
    protocol_fee = 0
    gauge_fee = 0
    crossed: list[tuple[int, int]] = []
    step_data: list[int] = []
    record = step_data.extend
    limit = sqrt_price_limit_x96
    sqrt_at = get_sqrt_ratio_at_tick
    step = compute_swap_step
    while remaining != 0 and sqrt_p != limit:
        # TickBitmap.nextInitializedTickWithinOneWord, inlined
        compressed = tick // spacing
        if zero_for_one:
            bit_pos = compressed & 0xFF
            masked = bitmap.get(compressed >> 8, 0) & ((2 << bit_pos) - 1)
            if masked:
                tick_next = (compressed - bit_pos + masked.bit_length() - 1) * spacing
            else:
                tick_next = (compressed - bit_pos) * spacing
        else:
            compressed += 1
            bit_pos = compressed & 0xFF
            masked = bitmap.get(compressed >> 8, 0) >> bit_pos
            if masked:
                tick_next = (compressed + (masked & -masked).bit_length() - 1) * spacing
            else:
                tick_next = (compressed + 255 - bit_pos) * spacing
        initialized = masked != 0
        if tick_next < MIN_TICK:
            tick_next = MIN_TICK
        elif tick_next > MAX_TICK:
            tick_next = MAX_TICK
        sqrt_next = sqrt_at(tick_next)
        if (sqrt_next < limit) if zero_for_one else (sqrt_next > limit):
            target = limit
        else:
            target = sqrt_next
        sqrt_start = sqrt_p
        sqrt_p, amount_in, amount_out, fee_amount = step(sqrt_p, target, liquidity, remaining, fee)
        if exact_input:
            remaining -= amount_in + fee_amount
            calculated -= amount_out
        else:
            remaining += amount_out
            calculated += amount_in + fee_amount
        step_fee = fee_amount
        lp_liquidity = liquidity
        if unstaked_fee is None:
            if fee_protocol:
                delta = fee_amount // fee_protocol
                fee_amount -= delta
                protocol_fee += delta
            if liquidity:
                growth = (growth + (fee_amount << 128) // liquidity) & MAX_UINT256
        elif liquidity:
            lp_liquidity = liquidity - staked
            fee_amount, to_gauge = _slipstream_split(fee_amount, liquidity, staked, unstaked_fee)
            gauge_fee += to_gauge
            if lp_liquidity:
                growth = (growth + (fee_amount << 128) // lp_liquidity) & MAX_UINT256
        if sqrt_p == sqrt_next:
            if initialized:
                crossed.append((tick_next, growth))
                info = ticks[tick_next]
                liquidity_net = -info.liquidity_net if zero_for_one else info.liquidity_net
                liquidity += liquidity_net
                if liquidity < 0 or liquidity > MAX_UINT128:
                    raise MathOverflow(f"liquidity out of range crossing tick {tick_next}", reason="LS")
                if unstaked_fee is not None:
                    # CLPool crosses stakedLiquidity with LiquidityMath.addDelta too, so it reverts alike
                    staked += -info.staked_liquidity_net if zero_for_one else info.staked_liquidity_net
                    if staked < 0 or staked > MAX_UINT128:
                        raise MathOverflow(f"staked liquidity out of range crossing tick {tick_next}",
                                           reason="LS" if staked < 0 else "LA")
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sqrt_p != sqrt_start:
            # TickMath.getTickAtSqrtRatio, inlined: the price lies strictly between two valid prices,
            # so the float estimate is within a tick or two of the answer, corrected exactly here
            tick = floor((log(sqrt_p) - LOG_Q96) / LOG_SQRT_10001)
            if tick < MIN_TICK or tick >= MAX_TICK:
                tick = get_tick_at_sqrt_ratio(sqrt_p)
            else:
                while sqrt_at(tick) > sqrt_p:
                    tick -= 1
                while sqrt_at(tick + 1) <= sqrt_p:
                    tick += 1
        if record_steps:
            record((sqrt_start, sqrt_p, lp_liquidity, amount_in, amount_out, step_fee, fee_amount, tick))
    if zero_for_one == exact_input:
        amount0, amount1 = amount_specified - remaining, calculated
    else:
        amount0, amount1 = calculated, amount_specified - remaining
    if abs(amount0) > MAX_INT256 or abs(amount1) > MAX_INT256:
        raise MathOverflow("swap amounts exceed int256")
    # tuple.__new__ builds the NamedTuple without its generated Python-level __new__ (a third of the cost)
    return _new_tuple(SwapResult, (
        zero_for_one, amount0, amount1, sqrt_p, tick, liquidity, fee, growth, protocol_fee, gauge_fee, staked,
        crossed, step_data,
    ))  # fmt: skip


def _slipstream_split(fee_amount: int, liquidity: int, staked: int, unstaked_fee: int) -> tuple[int, int]:
    """CLPool.calculateFees: (fee to unstaked LPs, fee to the gauge) of one step's fee.

    The staked liquidity's pro-rata share (rounded up) goes to the gauge; of the rest, ``unstaked_fee``
    pips (rounded up) go to the gauge too; the remainder grows the unstaked LPs' fee growth.
    """
    if liquidity == staked:
        return 0, fee_amount
    to_gauge = -(-(fee_amount * staked) // liquidity) if staked else 0
    unstaked = fee_amount - to_gauge
    levy = -(-(unstaked * unstaked_fee) // _PIPS)
    return unstaked - levy, to_gauge + levy
