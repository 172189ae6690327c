"""What executing a decision means in amounts: slippage floors and the swap that balances the tokens.

Pure integer math (raw token units, Q64.96 prices, fee in hundredths of a bip), kept apart from the
transactions so it can be read and tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.decisions import PositionSpec
from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.portfolio import HeldPosition, burn_amounts, mint_amounts
from simulator.tickmath import get_sqrt_ratio_at_tick

BPS = 10_000
FEE_UNITS = 1_000_000
Q192 = 1 << 192


def floor_after_slippage(amount: int, slippage_bps: int) -> int:
    """``amount`` less ``slippage_bps`` (rounded down): the least the contract may give or take."""
    return amount * (BPS - slippage_bps) // BPS


def burn_floor(tick_lower: int, tick_upper: int, liquidity: int, sqrt_price_x96: int,
               slippage_bps: int) -> tuple[int, int]:
    """Minimum amounts for ``decreaseLiquidity`` of the whole position at the current price."""
    amount0, amount1 = burn_amounts(HeldPosition(tick_lower, tick_upper, liquidity), sqrt_price_x96)
    return floor_after_slippage(amount0, slippage_bps), floor_after_slippage(amount1, slippage_bps)


def mint_floor(position: PositionSpec, sqrt_price_x96: int, slippage_bps: int) -> tuple[int, int]:
    """Minimum amounts for ``mint`` of ``position``'s allocations at the current price."""
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(position.tick_lower), get_sqrt_ratio_at_tick(position.tick_upper)
    liquidity = get_liquidity_for_amounts(sqrt_price_x96, sqrt_a, sqrt_b, position.allocation0, position.allocation1)
    amount0, amount1 = mint_amounts(position.tick_lower, position.tick_upper, liquidity, sqrt_price_x96)
    return floor_after_slippage(amount0, slippage_bps), floor_after_slippage(amount1, slippage_bps)


@dataclass(frozen=True, slots=True)
class SwapPlan:
    """Buy exactly ``amount_out`` of token ``1 - zero_for_one`` paying at most ``max_amount_in`` of the other."""

    zero_for_one: bool
    amount_out: int
    max_amount_in: int


def balancing_swap(need0: int, need1: int, have0: int, have1: int, sqrt_price_x96: int, fee: int,
                   slippage_bps: int) -> SwapPlan | None:
    """The swap that covers a shortage of one token from a surplus of the other, or None.

    The price of the shortage is taken at ``sqrt_price_x96`` plus the pool fee plus ``slippage_bps``
    (rounded up). None when nothing is short, both are short, or the surplus cannot pay the bound.
    """
    short0, short1 = max(0, need0 - have0), max(0, need1 - have1)
    spare0, spare1 = max(0, have0 - need0), max(0, have1 - need1)
    if short0 == short1 == 0 or (short0 and short1):
        return None
    price_sq = sqrt_price_x96 * sqrt_price_x96
    if short1:  # pay token0 for token1: amount0 = amount1 / price
        base = -(-short1 * Q192 // price_sq)
        plan = SwapPlan(True, short1, _with_costs(base, fee, slippage_bps))
        return plan if plan.max_amount_in <= spare0 else None
    base = -(-short0 * price_sq // Q192)
    plan = SwapPlan(False, short0, _with_costs(base, fee, slippage_bps))
    return plan if plan.max_amount_in <= spare1 else None


def _with_costs(amount: int, fee: int, slippage_bps: int) -> int:
    with_fee = -(-amount * FEE_UNITS // (FEE_UNITS - fee))
    return -(-with_fee * (BPS + slippage_bps) // BPS)
