"""What executing a decision means in amounts: slippage floors and the swap that balances the tokens.

Slippage is a band of the pool price (``slippage_bps`` of the price either way); a floor is the least
the contract gives or takes anywhere in that band.

Pure integer math (raw token units, Q64.96 prices, fee in hundredths of a bip), kept apart from the
transactions so it can be read and tested on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from protocol.decisions import PositionSpec
from simulator.fullmath import Q96
from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.portfolio import HeldPosition, burn_amounts, mint_amounts
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick

BPS = 10_000
FEE_UNITS = 1_000_000
Q192 = 1 << 192


def price_band(sqrt_price_x96: int, slippage_bps: int) -> tuple[int, int]:
    """Q64.96 sqrt prices of the price moved down and up by ``slippage_bps`` (of the price, not its
    root), rounded inwards and kept inside TickMath's range."""
    square = sqrt_price_x96 * sqrt_price_x96
    low = math.isqrt(square * (BPS - slippage_bps) // BPS) + 1
    high = math.isqrt(square * (BPS + slippage_bps) // BPS)
    return max(low, MIN_SQRT_RATIO), min(high, MAX_SQRT_RATIO - 1)


def _rounding_slack(tick_lower: int, tick_upper: int) -> tuple[int, int]:
    """Raw units one unit of liquidity is worth in the range (+1): the most the contracts' integer
    rounding can move an amount against a smooth function of the price (at most a few wei in practice)."""
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(tick_lower), get_sqrt_ratio_at_tick(tick_upper)
    return Q96 // sqrt_a + 2, (sqrt_b - sqrt_a) // Q96 + 2


def _lowest(amounts: list[tuple[int, int]], slack: tuple[int, int]) -> tuple[int, int]:
    return (max(0, min(a for a, _ in amounts) - slack[0]), max(0, min(b for _, b in amounts) - slack[1]))


def burn_floor(tick_lower: int, tick_upper: int, liquidity: int, sqrt_price_x96: int,
               slippage_bps: int) -> tuple[int, int]:
    """Minimum amounts for ``decreaseLiquidity`` of the whole position while the price stays in the band.

    Token0 out falls as the price rises and token1 out rises, so the floors are the amounts at the
    band's ends less the rounding slack (a relative cut of the amounts would fail near a range edge,
    where one amount is tiny and moves by any fraction with the price)."""
    position = HeldPosition(tick_lower, tick_upper, liquidity)
    ends = [burn_amounts(position, price) for price in price_band(sqrt_price_x96, slippage_bps)]
    return _lowest(ends, _rounding_slack(tick_lower, tick_upper))


def mint_used(position: PositionSpec, sqrt_price_x96: int) -> tuple[int, int]:
    """What the NPM takes for ``position``'s allocations at the price (liquidity from the amounts, rounded
    down; amounts for that liquidity, rounded up)."""
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(position.tick_lower), get_sqrt_ratio_at_tick(position.tick_upper)
    liquidity = get_liquidity_for_amounts(sqrt_price_x96, sqrt_a, sqrt_b, position.allocation0, position.allocation1)
    return mint_amounts(position.tick_lower, position.tick_upper, liquidity, sqrt_price_x96)


def mint_floor(position: PositionSpec, sqrt_price_x96: int, slippage_bps: int) -> tuple[int, int]:
    """Minimum amounts for ``mint`` while the price stays in the band: token0 used falls as the price
    rises and token1 used rises (each capped by its allocation), so the amounts at the band's ends
    less the rounding slack."""
    ends = [mint_used(position, price) for price in price_band(sqrt_price_x96, slippage_bps)]
    return _lowest(ends, _rounding_slack(position.tick_lower, position.tick_upper))


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
