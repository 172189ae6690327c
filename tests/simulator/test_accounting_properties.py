"""Hypothesis properties of the portfolio accounting: random decision sequences at random prices.

After every operation at a price ``P`` the strategy's holdings at ``P`` (idle + burns + fees) are
compared with what they were just before at the same ``P``: a rebalance may only lose the pool's
rounding (at most one wei per token per minted position), fee credits add exactly the fees, a keep
changes nothing, and a refusal changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from simulator.portfolio import (
    DesiredPosition,
    Portfolio,
    Rejected,
    RejectReason,
    accrue_fees,
    apply_decision,
    holdings,
)
from simulator.tickmath import get_sqrt_ratio_at_tick

SPACING = 10
MAX_POSITIONS = 3
TICKS = st.integers(-2_000, 2_000).map(lambda t: t * SPACING)


@dataclass(frozen=True)
class Wish:
    """A range and the share (per mille) of the available tokens to put there."""

    tick_lower: int
    tick_upper: int
    share0: int
    share1: int


@dataclass(frozen=True)
class Step:
    sqrt_price_x96: int
    wishes: list[Wish] | None
    fees: list[tuple[int, int]]
    overdraw: bool


@st.composite
def wish_shapes(draw: st.DrawFn) -> Wish:
    lower = draw(TICKS)
    width = draw(st.integers(1, 400)) * SPACING
    return Wish(lower, lower + width, draw(st.integers(0, 1000)), draw(st.integers(0, 1000)))


@st.composite
def steps(draw: st.DrawFn) -> Step:
    tick = draw(st.integers(-25_000, 25_000))
    sqrt_price = get_sqrt_ratio_at_tick(tick) + draw(st.integers(0, 10**15))
    decision = draw(st.one_of(st.none(), st.lists(wish_shapes(), max_size=MAX_POSITIONS + 1)))
    fees = draw(st.lists(st.tuples(st.integers(0, 10**18), st.integers(0, 10**18)), max_size=4))
    return Step(sqrt_price, decision, fees, overdraw=draw(st.integers(0, 9)) == 0)


def _decision(step: Step, available: tuple[int, int]) -> list[DesiredPosition] | None:
    """Allocations as shares of what is available (all of it at most), or 1e30 when overdrawing."""
    if step.wishes is None:
        return None
    count = max(1, len(step.wishes))
    decision = [
        DesiredPosition(
            w.tick_lower,
            w.tick_upper,
            available[0] * w.share0 // 1000 // count,
            available[1] * w.share1 // 1000 // count,
        )
        for w in step.wishes
    ]
    if step.overdraw and decision:
        decision[0] = DesiredPosition(decision[0].tick_lower, decision[0].tick_upper, 10**30, 0)
    return decision


def _fee_credit(portfolio: Portfolio, fees: list[tuple[int, int]]) -> list[tuple[int, int]]:
    padded = fees + [(0, 0)] * len(portfolio.positions)
    return padded[: len(portfolio.positions)]


@settings(max_examples=200, deadline=None)
@given(
    idle0=st.integers(0, 10**24),
    idle1=st.integers(0, 10**24),
    sequence=st.lists(steps(), min_size=1, max_size=8),
)
def test_decision_sequences_conserve_capital_to_the_pool_rounding(
    idle0: int, idle1: int, sequence: list[Step]
) -> None:
    portfolio = Portfolio(idle0, idle1)
    for step in sequence:
        price = step.sqrt_price_x96
        before = holdings(portfolio, price)
        credit = _fee_credit(portfolio, step.fees)
        portfolio = accrue_fees(portfolio, credit)
        after_fees = holdings(portfolio, price)
        assert after_fees[0] - before[0] == sum(f0 for f0, _ in credit)
        assert after_fees[1] - before[1] == sum(f1 for _, f1 in credit)
        result = apply_decision(
            portfolio,
            _decision(step, after_fees),
            price,
            tick_spacing=SPACING,
            max_positions=MAX_POSITIONS,
        )
        if isinstance(result, Rejected):
            event(f"rejected: {result.reason.value}")
            assert step.overdraw or len(step.wishes or ()) > MAX_POSITIONS
            continue
        event(f"applied with {len(result.positions)} positions")
        after = holdings(result, price)
        minted = len(result.positions)
        assert 0 <= after_fees[0] - after[0] <= minted
        assert 0 <= after_fees[1] - after[1] <= minted
        assert result.idle0 >= 0 and result.idle1 >= 0
        assert all(p.liquidity > 0 for p in result.positions)
        portfolio = result


@settings(max_examples=100, deadline=None)
@given(
    idle0=st.integers(0, 10**24),
    idle1=st.integers(0, 10**24),
    first=st.lists(wish_shapes(), max_size=MAX_POSITIONS),
)
def test_keep_is_a_no_op_whatever_the_price(idle0: int, idle1: int, first: list[Wish]) -> None:
    price = get_sqrt_ratio_at_tick(0)
    decision = _decision(Step(price, first, [], overdraw=False), (idle0, idle1))
    start = apply_decision(Portfolio(idle0, idle1), decision, price, tick_spacing=SPACING, max_positions=3)
    assert isinstance(start, Portfolio)
    for tick in (-20_000, 0, 20_000):
        kept = apply_decision(start, None, get_sqrt_ratio_at_tick(tick), tick_spacing=SPACING, max_positions=3)
        assert kept == start


@settings(max_examples=100, deadline=None)
@given(
    idle0=st.integers(0, 10**24),
    idle1=st.integers(0, 10**24),
    extra=st.integers(1, 10**30),
    token=st.sampled_from((0, 1)),
    tick=st.integers(-20_000, 20_000),
)
def test_allocations_above_what_is_available_are_rejected_and_change_nothing(
    idle0: int, idle1: int, extra: int, token: int, tick: int
) -> None:
    start = Portfolio(idle0, idle1)
    price = get_sqrt_ratio_at_tick(tick)
    over = (idle0 + extra, 0) if token == 0 else (0, idle1 + extra)
    result = apply_decision(
        start, [DesiredPosition(-600, 600, *over)], price, tick_spacing=SPACING, max_positions=3
    )
    expected = RejectReason.ABOVE_AVAILABLE0 if token == 0 else RejectReason.ABOVE_AVAILABLE1
    assert isinstance(result, Rejected) and result.reason is expected
    assert start == Portfolio(idle0, idle1)


def test_a_1e30_allocation_is_rejected_for_a_realistic_vault() -> None:
    start = Portfolio(idle0=50_000 * 10**6, idle1=20 * 10**18)
    result = apply_decision(
        start,
        [DesiredPosition(-600, 600, 10**30, 10**30)],
        get_sqrt_ratio_at_tick(0),
        tick_spacing=SPACING,
        max_positions=3,
    )
    assert isinstance(result, Rejected) and result.reason is RejectReason.ABOVE_AVAILABLE0
