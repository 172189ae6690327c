"""Portfolio accounting: mint fixes liquidity, burn returns amounts plus fees, bad decisions refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.pool import Pool
from simulator.portfolio import (
    DesiredPosition,
    HeldPosition,
    Portfolio,
    Rejected,
    RejectReason,
    accrue_fees,
    apply_decision,
    burn_amounts,
    holdings,
    mint_amounts,
    rebalance,
)
from simulator.tickmath import MAX_TICK, get_sqrt_ratio_at_tick

PRICE = get_sqrt_ratio_at_tick(201_000)  # about 1,900 USDC per WETH, token0 = USDC (6 decimals)
SPACING = 60


def _rebalance(portfolio: Portfolio, *wishes: DesiredPosition) -> Portfolio | Rejected:
    return rebalance(portfolio, wishes, PRICE, tick_spacing=SPACING, max_positions=4)


def test_mint_fixes_liquidity_rounded_down_and_leaves_the_rest_idle() -> None:
    start = Portfolio(idle0=5_000 * 10**6, idle1=3 * 10**18)
    wish = DesiredPosition(200_400, 201_600, 4_000 * 10**6, 2 * 10**18)
    after = _rebalance(start, wish)
    assert isinstance(after, Portfolio)
    (position,) = after.positions
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(200_400), get_sqrt_ratio_at_tick(201_600)
    expected = get_liquidity_for_amounts(PRICE, sqrt_a, sqrt_b, 4_000 * 10**6, 2 * 10**18)
    assert position.liquidity == expected > 0
    taken0, taken1 = start.idle0 - after.idle0, start.idle1 - after.idle1
    assert 0 <= taken0 <= wish.allocation0 and 0 <= taken1 <= wish.allocation1
    # Rounded down: one more unit of liquidity would need more than one of the allocations.
    more0, more1 = mint_amounts(200_400, 201_600, position.liquidity + 1, PRICE)
    assert more0 > wish.allocation0 or more1 > wish.allocation1
    assert after.rebalances == 1


def test_positions_keep_their_liquidity_when_the_price_moves() -> None:
    after = _rebalance(Portfolio(10**10, 10**19), DesiredPosition(200_400, 201_600, 10**9, 10**18))
    assert isinstance(after, Portfolio)
    (position,) = after.positions
    below = burn_amounts(position, get_sqrt_ratio_at_tick(200_000))
    above = burn_amounts(position, get_sqrt_ratio_at_tick(202_000))
    assert below[1] == 0 and below[0] > 0
    assert above[0] == 0 and above[1] > 0


def test_rebalance_burns_at_the_price_and_returns_fees_to_idle() -> None:
    position = HeldPosition(200_400, 201_600, 10**15, fees0=17, fees1=29)
    start = Portfolio(idle0=1, idle1=2, positions=(position,))
    burned0, burned1 = burn_amounts(position, PRICE)
    after = _rebalance(start)
    assert after == Portfolio(1 + burned0 + 17, 2 + burned1 + 29, (), 0, 0, 1)


def test_allocations_may_use_what_burning_the_current_positions_returns() -> None:
    position = HeldPosition(200_400, 201_600, 10**15, fees0=5, fees1=0)
    start = Portfolio(idle0=0, idle1=0, positions=(position,))
    available = holdings(start, PRICE)
    after = _rebalance(start, DesiredPosition(190_020, 210_000, *available))
    assert isinstance(after, Portfolio) and after.positions and after.idle0 >= 0
    refused = _rebalance(start, DesiredPosition(190_020, 210_000, available[0] + 1, 0))
    assert isinstance(refused, Rejected) and refused.reason is RejectReason.ABOVE_AVAILABLE0


@pytest.mark.parametrize(
    ("wish", "reason"),
    [
        (DesiredPosition(200_400, 201_600, 10**30, 0), RejectReason.ABOVE_AVAILABLE0),
        (DesiredPosition(200_400, 201_600, 0, 10**30), RejectReason.ABOVE_AVAILABLE1),
        (DesiredPosition(200_400, 201_600, -1, 0), RejectReason.NEGATIVE_AMOUNT),
        (DesiredPosition(200_401, 201_600, 1, 1), RejectReason.TICK_NOT_ON_SPACING),
        (DesiredPosition(201_600, 201_600, 1, 1), RejectReason.EMPTY_RANGE),
        (DesiredPosition(-60, MAX_TICK + 60, 1, 1), RejectReason.TICK_OUT_OF_RANGE),
    ],
)
def test_invalid_decisions_are_rejected_with_a_reason_and_change_nothing(
    wish: DesiredPosition, reason: RejectReason
) -> None:
    start = Portfolio(idle0=10**9, idle1=10**18)
    result = _rebalance(start, wish)
    assert isinstance(result, Rejected) and result.reason is reason


def test_more_positions_than_allowed_are_rejected() -> None:
    wishes = [DesiredPosition(-60 * (i + 1), 60 * (i + 1), 0, 0) for i in range(5)]
    result = _rebalance(Portfolio(0, 0), *wishes)
    assert isinstance(result, Rejected) and result.reason is RejectReason.TOO_MANY_POSITIONS


def test_an_allocation_too_small_for_any_liquidity_stays_idle() -> None:
    # The price is above the range: only token1 could fund it, and there is none.
    after = _rebalance(Portfolio(idle0=1, idle1=0), DesiredPosition(-60, 60, 1, 0))
    assert after == Portfolio(idle0=1, idle1=0, rebalances=1)


def test_keep_returns_the_portfolio_untouched() -> None:
    start = Portfolio(3, 4, (HeldPosition(-60, 60, 10**12, 1, 1),), 1, 1, 2)
    kept = apply_decision(start, None, PRICE, tick_spacing=SPACING, max_positions=4)
    assert kept is start


def test_accrued_fees_count_as_earned_and_withdrawable() -> None:
    start = Portfolio(0, 0, (HeldPosition(-60, 60, 10**12),))
    after = accrue_fees(start, [(10, 20)])
    assert (after.fees_earned0, after.fees_earned1) == (10, 20)
    assert holdings(after, PRICE)[0] - holdings(start, PRICE)[0] == 10
    with pytest.raises(ValueError):
        accrue_fees(start, [(-1, 0)])


@settings(max_examples=200, deadline=None)
@given(
    lower=st.integers(-1_000, 998),
    width=st.integers(1, 400),
    tick=st.integers(-1_200, 1_200),
    liquidity=st.integers(1, 10**24),
)
def test_mint_and_burn_amounts_are_what_the_pool_takes_and_returns(
    lower: int, width: int, tick: int, liquidity: int
) -> None:
    pool = Pool(3000, 1, get_sqrt_ratio_at_tick(tick))
    tick_lower, tick_upper = lower, lower + width
    price = pool.sqrt_price_x96
    assert mint_amounts(tick_lower, tick_upper, liquidity, price) == pool.mint("lp", tick_lower, tick_upper, liquidity)
    position = HeldPosition(tick_lower, tick_upper, liquidity)
    assert burn_amounts(position, price) == pool.burn("lp", tick_lower, tick_upper, liquidity)
