"""One strategy's simulated vault: idle tokens and positions fixed as liquidity at mint.

Everything here is exact integer accounting in raw token units and Q64.96 sqrt prices, following
what the pool contract does (DESIGN section 4):

- A mint turns allocations into liquidity with the periphery's ``getLiquidityForAmounts`` (rounded
  down) and takes the amounts the pool would take for that liquidity (``getAmount{0,1}Delta``
  rounded up, never more than the allocation); leftovers stay idle. A position is then fixed as
  liquidity: its token amounts follow the price, it is never re-fitted.
- A burn returns the liquidity's amounts at the current price rounded down, plus the fees it accrued.
- A rebalance burns every current position, then mints the desired ones. It is refused (with a
  machine-readable reason, the portfolio unchanged) if an allocation exceeds what is available:
  idle tokens plus what the burns return plus the positions' fees.

So no sequence of decisions creates a wei: the only differences from a plain sum of tokens are the
contract's own roundings, each in the pool's favour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from simulator.errors import MathError
from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.sqrt_price_math import get_amount0_delta, get_amount1_delta
from simulator.tickmath import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick

__all__ = [
    "DesiredPosition",
    "HeldPosition",
    "Portfolio",
    "RejectReason",
    "Rejected",
    "accrue_fees",
    "apply_decision",
    "burn_amounts",
    "holdings",
    "mint_amounts",
    "rebalance",
    "value_in_token1",
]

class RejectReason(str, Enum):
    """Why a decision was refused; the value is the machine-readable reason sent downstream."""

    TOO_MANY_POSITIONS = "too_many_positions"
    TICK_OUT_OF_RANGE = "tick_out_of_range"
    TICK_NOT_ON_SPACING = "tick_not_on_spacing"
    EMPTY_RANGE = "tick_lower_not_below_tick_upper"
    NEGATIVE_AMOUNT = "negative_allocation"
    NOT_AN_INTEGER = "allocation_not_an_integer"
    ABOVE_AVAILABLE0 = "allocation0_above_available"
    ABOVE_AVAILABLE1 = "allocation1_above_available"
    LIQUIDITY_OVERFLOW = "liquidity_overflow"


@dataclass(frozen=True, slots=True)
class HeldPosition:
    """A position as the simulation holds it: its range, its liquidity, its uncollected fees.

    ``fees0``/``fees1`` are raw token units accrued since mint (credited to idle at burn).
    """

    tick_lower: int
    tick_upper: int
    liquidity: int
    fees0: int = 0
    fees1: int = 0


@dataclass(frozen=True, slots=True)
class DesiredPosition:
    """A miner's wish: a range and the raw token amounts it may use there."""

    tick_lower: int
    tick_upper: int
    allocation0: int
    allocation1: int


@dataclass(frozen=True, slots=True)
class Portfolio:
    """One strategy's simulated vault.

    ``idle0``/``idle1``: raw token units not in any position. ``fees_earned0/1``: every fee ever
    accrued to its positions (collected or not). ``rebalances``: decisions applied other than keep.
    """

    idle0: int
    idle1: int
    positions: tuple[HeldPosition, ...] = ()
    fees_earned0: int = 0
    fees_earned1: int = 0
    rebalances: int = 0


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refused decision: the portfolio stays as it was."""

    reason: RejectReason
    detail: str


def _bounds(tick_lower: int, tick_upper: int) -> tuple[int, int]:
    return get_sqrt_ratio_at_tick(tick_lower), get_sqrt_ratio_at_tick(tick_upper)


def _amounts(
    tick_lower: int, tick_upper: int, liquidity: int, sqrt_price_x96: int, round_up: bool
) -> tuple[int, int]:
    """Raw token amounts ``liquidity`` of the range holds at the price (SqrtPriceMath, rounded as asked)."""
    sqrt_a, sqrt_b = _bounds(tick_lower, tick_upper)
    if sqrt_price_x96 <= sqrt_a:
        return get_amount0_delta(sqrt_a, sqrt_b, liquidity, round_up), 0
    if sqrt_price_x96 < sqrt_b:
        return (
            get_amount0_delta(sqrt_price_x96, sqrt_b, liquidity, round_up),
            get_amount1_delta(sqrt_a, sqrt_price_x96, liquidity, round_up),
        )
    return 0, get_amount1_delta(sqrt_a, sqrt_b, liquidity, round_up)


def burn_amounts(position: HeldPosition, sqrt_price_x96: int) -> tuple[int, int]:
    """Raw token amounts a burn of the whole position returns at the price (rounded down, no fees)."""
    return _amounts(position.tick_lower, position.tick_upper, position.liquidity, sqrt_price_x96, False)


def mint_amounts(
    tick_lower: int, tick_upper: int, liquidity: int, sqrt_price_x96: int
) -> tuple[int, int]:
    """Raw token amounts the pool takes to mint ``liquidity`` at the price (rounded up)."""
    return _amounts(tick_lower, tick_upper, liquidity, sqrt_price_x96, True)


def holdings(portfolio: Portfolio, sqrt_price_x96: int) -> tuple[int, int]:
    """What the strategy could withdraw now: idle + every position burned + their fees (raw units)."""
    amount0, amount1 = portfolio.idle0, portfolio.idle1
    for position in portfolio.positions:
        burned0, burned1 = burn_amounts(position, sqrt_price_x96)
        amount0 += burned0 + position.fees0
        amount1 += burned1 + position.fees1
    return amount0, amount1


def accrue_fees(portfolio: Portfolio, fees: Sequence[tuple[int, int]]) -> Portfolio:
    """Credit fees (raw units, one (fees0, fees1) per held position, in order) to the positions."""
    if len(fees) != len(portfolio.positions):
        raise ValueError(f"{len(fees)} fee pairs for {len(portfolio.positions)} positions")
    if any(f0 < 0 or f1 < 0 for f0, f1 in fees):
        raise ValueError("fees cannot be negative")
    positions = tuple(
        replace(p, fees0=p.fees0 + f0, fees1=p.fees1 + f1)
        for p, (f0, f1) in zip(portfolio.positions, fees, strict=True)
    )
    return replace(
        portfolio,
        positions=positions,
        fees_earned0=portfolio.fees_earned0 + sum(f0 for f0, _ in fees),
        fees_earned1=portfolio.fees_earned1 + sum(f1 for _, f1 in fees),
    )


def _check_shape(
    desired: Sequence[DesiredPosition], tick_spacing: int, max_positions: int
) -> Rejected | None:
    if len(desired) > max_positions:
        return Rejected(RejectReason.TOO_MANY_POSITIONS, f"{len(desired)} > {max_positions}")
    for index, wish in enumerate(desired):
        where = f"position {index}"
        values = (wish.tick_lower, wish.tick_upper, wish.allocation0, wish.allocation1)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return Rejected(RejectReason.NOT_AN_INTEGER, where)
        if not (MIN_TICK <= wish.tick_lower and wish.tick_upper <= MAX_TICK):
            return Rejected(RejectReason.TICK_OUT_OF_RANGE, where)
        if wish.tick_lower % tick_spacing or wish.tick_upper % tick_spacing:
            return Rejected(RejectReason.TICK_NOT_ON_SPACING, f"{where}: spacing {tick_spacing}")
        if wish.tick_lower >= wish.tick_upper:
            return Rejected(RejectReason.EMPTY_RANGE, where)
        if wish.allocation0 < 0 or wish.allocation1 < 0:
            return Rejected(RejectReason.NEGATIVE_AMOUNT, where)
    return None


def _check_budget(desired: Sequence[DesiredPosition], available: tuple[int, int]) -> Rejected | None:
    wanted0 = sum(w.allocation0 for w in desired)
    wanted1 = sum(w.allocation1 for w in desired)
    if wanted0 > available[0]:
        return Rejected(RejectReason.ABOVE_AVAILABLE0, f"{wanted0} > {available[0]}")
    if wanted1 > available[1]:
        return Rejected(RejectReason.ABOVE_AVAILABLE1, f"{wanted1} > {available[1]}")
    return None


def _mint_all(
    desired: Sequence[DesiredPosition], sqrt_price_x96: int
) -> tuple[list[HeldPosition], int, int] | Rejected:
    """Mint each wish: (positions, total taken0, total taken1), or a rejection on overflow."""
    minted: list[HeldPosition] = []
    taken0 = taken1 = 0
    for index, wish in enumerate(desired):
        sqrt_a, sqrt_b = _bounds(wish.tick_lower, wish.tick_upper)
        try:
            liquidity = get_liquidity_for_amounts(
                sqrt_price_x96, sqrt_a, sqrt_b, wish.allocation0, wish.allocation1
            )
        except MathError as error:  # liquidity above uint128: the pool could not hold it
            return Rejected(RejectReason.LIQUIDITY_OVERFLOW, f"position {index}: {error}")
        if liquidity == 0:  # the pool refuses a zero mint; the allocation stays idle
            continue
        amount0, amount1 = mint_amounts(wish.tick_lower, wish.tick_upper, liquidity, sqrt_price_x96)
        taken0 += amount0
        taken1 += amount1
        minted.append(HeldPosition(wish.tick_lower, wish.tick_upper, liquidity))
    return minted, taken0, taken1


def rebalance(
    portfolio: Portfolio,
    desired: Sequence[DesiredPosition],
    sqrt_price_x96: int,
    *,
    tick_spacing: int,
    max_positions: int,
) -> Portfolio | Rejected:
    """Burn every position at the price and mint ``desired``; or refuse, changing nothing.

    ``sqrt_price_x96`` is the pool's Q64.96 price at the checkpoint. Allocations are raw token units
    and must together fit in :func:`holdings` at that price.
    """
    problem = _check_shape(desired, tick_spacing, max_positions)
    available = holdings(portfolio, sqrt_price_x96)
    problem = problem or _check_budget(desired, available)
    if problem is not None:
        return problem
    minted = _mint_all(desired, sqrt_price_x96)
    if isinstance(minted, Rejected):
        return minted
    positions, taken0, taken1 = minted
    return replace(
        portfolio,
        idle0=available[0] - taken0,
        idle1=available[1] - taken1,
        positions=tuple(positions),
        rebalances=portfolio.rebalances + 1,
    )


def value_in_token1(amount0: int, amount1: int, sqrt_price_x96: int) -> int:
    """Value in raw token1 units: ``floor(amount0 * sqrtP**2 / 2**192) + amount1``."""
    return (amount0 * sqrt_price_x96 * sqrt_price_x96 >> 192) + amount1


def apply_decision(
    portfolio: Portfolio,
    desired: Sequence[DesiredPosition] | None,
    sqrt_price_x96: int,
    *,
    tick_spacing: int,
    max_positions: int,
) -> Portfolio | Rejected:
    """A miner's decision: ``None`` keeps everything as it is (no burn, no fee collection, not
    counted as a rebalance); a list, even empty, is a :func:`rebalance`."""
    if desired is None:
        return portfolio
    return rebalance(
        portfolio, desired, sqrt_price_x96, tick_spacing=tick_spacing, max_positions=max_positions
    )
