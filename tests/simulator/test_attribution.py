"""Fee attribution: the vectorized float version against the exact per-step reference, and its bounds."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.attribution import (
    ExactStep,
    FeeSteps,
    NegativeOtherLiquidityError,
    OwnPosition,
    PositionGrid,
    aggregate_buckets,
    attribute_steps,
    exact_position_fees,
    own_liquidity_per_step,
    swaps_in_range,
)
from simulator.events import BurnEvent, MintEvent, PoolEvent, SwapEvent
from simulator.pool import Pool
from simulator.replay import replay
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio

SPACING = 60


def _price_between(rng: random.Random, tick_a: int, tick_b: int) -> int:
    lo, hi = sorted((get_sqrt_ratio_at_tick(tick_a), get_sqrt_ratio_at_tick(tick_b)))
    return rng.randint(lo, hi)


def random_steps(seed: int, count: int) -> list[ExactStep]:
    """A random price path around tick 0: steps that end inside a bucket, on a bucket edge, or stay put."""
    rng = random.Random(seed)
    price = get_sqrt_ratio_at_tick(rng.randint(-600, 600))
    steps = []
    for _ in range(count):
        here = get_tick_at_sqrt_ratio(price)
        kind = rng.random()
        if kind < 0.1:
            end = price
        elif kind < 0.4:
            end = get_sqrt_ratio_at_tick((here // SPACING + rng.choice((-1, 1))) * SPACING)
        else:
            end = _price_between(rng, here - rng.randint(0, 400), here + rng.randint(0, 400))
        down = end < price or (end == price and rng.random() < 0.5)
        liquidity = rng.randint(10**15, 10**22)
        steps.append(
            ExactStep(
                sqrt_start=price,
                sqrt_end=end,
                zero_for_one=down,
                liquidity=liquidity,
                own_liquidity=rng.choice((0, rng.randint(0, liquidity))),
                lp_fee=rng.randint(0, 10**16),
                tick=get_tick_at_sqrt_ratio(end),
            )
        )
        price = end
    return steps


def random_grid(seed: int, strategies: int, slots: int) -> PositionGrid:
    rng = np.random.default_rng(seed)
    lower = rng.integers(-15, 10, size=(strategies, slots)) * SPACING
    upper = lower + rng.integers(1, 12, size=(strategies, slots)) * SPACING
    liquidity = np.floor(10.0 ** rng.uniform(12, 23, size=(strategies, slots)))
    liquidity[rng.random(size=(strategies, slots)) < 0.1] = 0.0
    return PositionGrid(lower.astype(np.int64), upper.astype(np.int64), liquidity)


def exact_grid_fees(steps: list[ExactStep], grid: PositionGrid) -> np.ndarray:
    out = np.zeros(grid.liquidity.shape + (2,), dtype=object)
    for index in np.ndindex(grid.liquidity.shape):
        lower, upper = int(grid.tick_lower[index]), int(grid.tick_upper[index])
        bounds = (get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper))
        fees = exact_position_fees(steps, (lower, upper), bounds, int(grid.liquidity[index]))
        out[index] = fees
    return out


@pytest.mark.parametrize("seed", range(6))
def test_vectorized_fees_match_the_exact_reference_within_one_wei_per_step(seed: int) -> None:
    steps = random_steps(seed, 300)
    grid = random_grid(seed, strategies=5, slots=4)
    fees0, fees1 = attribute_steps(FeeSteps.from_exact(steps), grid, SPACING)
    exact = exact_grid_fees(steps, grid)
    for index in np.ndindex(grid.liquidity.shape):
        for token, approx in ((0, fees0[index]), (1, fees1[index])):
            reference = int(exact[index][token])
            # Exact floors each step (<= 1 wei per step); float carries ~1e-12 relative error.
            assert approx >= reference - 1e-9 * reference - 1
            assert approx <= reference + 1e-9 * reference + len(steps)


def test_position_declared_as_the_whole_in_range_liquidity_earns_the_whole_fee() -> None:
    lower, upper = -SPACING, SPACING
    bounds = (get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper))
    liquidity = 5 * 10**18
    step = ExactStep(
        sqrt_start=get_sqrt_ratio_at_tick(-30),
        sqrt_end=get_sqrt_ratio_at_tick(30),
        zero_for_one=False,
        liquidity=liquidity,
        own_liquidity=liquidity,
        lp_fee=123_456_789,
        tick=30,
    )
    # The pool's own floors (growth per unit liquidity, then owed) may keep back one wei.
    whole = (123_456_789 * 2**128 // liquidity) * liquidity // 2**128
    assert whole >= 123_456_789 - 1
    assert exact_position_fees([step], (lower, upper), bounds, liquidity) == (0, whole)
    grid = PositionGrid(np.array([[lower]]), np.array([[upper]]), np.array([[float(liquidity)]]))
    fees0, fees1 = attribute_steps(FeeSteps.from_exact([step]), grid, SPACING)
    assert fees0[0, 0] == 0.0
    assert fees1[0, 0] == pytest.approx(123_456_789, rel=1e-12)


def test_a_real_position_declared_as_own_earns_its_pro_rata_share_like_the_pool() -> None:
    own, total, fee = 3 * 10**18, 7 * 10**18, 10**15 + 7
    step = ExactStep(
        sqrt_start=get_sqrt_ratio_at_tick(50),
        sqrt_end=get_sqrt_ratio_at_tick(10),
        zero_for_one=True,
        liquidity=total,
        own_liquidity=own,
        lp_fee=fee,
        tick=10,
    )
    bounds = (get_sqrt_ratio_at_tick(0), get_sqrt_ratio_at_tick(60))
    growth = fee * 2**128 // total
    assert exact_position_fees([step], (0, 60), bounds, own) == (growth * own // 2**128, 0)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    liquidity=st.integers(1, 2**127),
    bucket=st.integers(-12, 10),
)
def test_a_one_tick_range_never_earns_more_than_the_real_fee_of_its_steps(
    seed: int, liquidity: int, bucket: int
) -> None:
    steps = random_steps(seed, 40)
    lower, upper = bucket * SPACING, (bucket + 1) * SPACING
    bounds = (get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper))
    fee0, fee1 = exact_position_fees(steps, (lower, upper), bounds, liquidity)
    real = [0, 0]
    for step in steps:
        lo, hi = sorted((step.sqrt_start, step.sqrt_end))
        touches = (lo < bounds[1] and hi > bounds[0]) or (lo == hi and lower <= step.tick < upper)
        if touches:
            real[0 if step.zero_for_one else 1] += step.lp_fee
    assert fee0 <= real[0] and fee1 <= real[1]
    grid = PositionGrid(np.array([[lower]]), np.array([[upper]]), np.array([[float(liquidity)]]))
    approx0, approx1 = attribute_steps(FeeSteps.from_exact(steps), grid, SPACING)
    assert approx0[0, 0] <= real[0] * (1 + 1e-9) and approx1[0, 0] <= real[1] * (1 + 1e-9)


def test_a_step_that_does_not_move_the_price_pays_the_position_holding_the_pool_tick() -> None:
    price = get_sqrt_ratio_at_tick(60)
    still = ExactStep(price, price, True, 2**60, 0, 1000, tick=60)
    below = ((0, 60), (get_sqrt_ratio_at_tick(0), price))
    above = ((60, 120), (price, get_sqrt_ratio_at_tick(120)))
    assert exact_position_fees([still], *below, 2**60) == (0, 0)
    assert exact_position_fees([still], *above, 2**60) == (500, 0)
    grid = PositionGrid(np.array([[0, 60]]), np.array([[60, 120]]), np.full((1, 2), 2.0**60))
    fees0, _ = attribute_steps(FeeSteps.from_exact([still]), grid, SPACING)
    assert fees0[0, 0] == 0.0 and fees0[0, 1] == pytest.approx(500.0)


def test_own_liquidity_above_the_pool_liquidity_is_rejected() -> None:
    step = ExactStep(get_sqrt_ratio_at_tick(0), get_sqrt_ratio_at_tick(10), False, 10, 11, 5, 10)
    bounds = (get_sqrt_ratio_at_tick(-60), get_sqrt_ratio_at_tick(60))
    with pytest.raises(NegativeOtherLiquidityError):
        exact_position_fees([step], (-60, 60), bounds, 1)
    grid = PositionGrid(np.array([[-60]]), np.array([[60]]), np.array([[1.0]]))
    with pytest.raises(NegativeOtherLiquidityError):
        attribute_steps(FeeSteps.from_exact([step]), grid, SPACING)


def test_time_in_range_follows_the_tick_rule_lower_inclusive_upper_exclusive() -> None:
    grid = PositionGrid(
        tick_lower=np.array([[0, 600], [0, 0]]),
        tick_upper=np.array([[60, 660], [60, 60]]),
        liquidity=np.array([[1.0, 1.0], [1.0, 0.0]]),
    )
    ticks = np.array([0, 59, 60, 600, 659, 660, -1], dtype=np.int64)
    assert swaps_in_range(ticks, grid).tolist() == [4, 2]


def _fresh_pool() -> Pool:
    pool = Pool(3000, SPACING, get_sqrt_ratio_at_tick(0))
    pool.mint("lp", -6_000, 6_000, 10**20)
    return pool


def test_own_liquidity_follows_the_vaults_mints_and_burns_and_its_range() -> None:
    maker = _fresh_pool()
    maker.mint("vault", -600, 600, 10**19)
    start = maker.snapshot(1)
    events: list[PoolEvent] = []

    def swap(block: int, down: bool, amount: int) -> None:
        limit = MIN_SQRT_RATIO + 1 if down else MAX_SQRT_RATIO - 1
        r = maker.swap(down, amount, limit)
        events.append(SwapEvent("p", block, 0, r.amount0, r.amount1, r.sqrt_price_x96, r.liquidity, r.tick))

    swap(2, False, 10**17)  # inside the vault's range
    a0, a1 = maker.mint("vault", -600, 600, 5 * 10**18)
    events.append(MintEvent("p", 3, 0, "vault", -600, 600, 5 * 10**18, a0, a1))
    swap(4, False, 10**19)  # pushes the price out of the range, above 600
    a0, a1 = maker.burn("vault", -600, 600, 15 * 10**18)
    events.append(BurnEvent("p", 5, 0, "vault", -600, 600, 15 * 10**18, a0, a1))
    swap(6, True, 10**16)
    pool = Pool.from_snapshot(start)
    pool.adopt_position("vault", -600, 600, 10**19)
    log = replay(pool, events, from_snapshot=True).step_log
    own = own_liquidity_per_step(log, [OwnPosition("VAULT", -600, 600, 10**19)], events)
    assert own.final == (0,)
    by_swap: dict[int, set[int]] = {}
    for index, value in zip(log.swap_index.tolist(), own.per_step):
        by_swap.setdefault(index, set()).add(value)
    assert by_swap[0] == {10**19}
    assert by_swap[1] == {15 * 10**18, 0}  # in range, then past tick 600
    assert by_swap[2] == {0}
    assert all(v <= l for v, l in zip(own.per_step, log.liquidity_exact))


def test_empty_slots_and_ranges_the_price_never_visits_earn_nothing() -> None:
    steps = random_steps(3, 100)
    grid = PositionGrid(
        tick_lower=np.array([[-600, -600, 60_000, -600]]),
        tick_upper=np.array([[600, 600, 60_600, 600]]),
        liquidity=np.array([[1e18, 0.0, 1e18, 1e18]]),
    )
    fees0, fees1 = attribute_steps(FeeSteps.from_exact(steps), grid, SPACING)
    assert fees0[0, 1] == fees1[0, 1] == 0.0
    assert fees0[0, 2] == fees1[0, 2] == 0.0
    assert fees0[0, 0] == fees0[0, 3] > 0.0 and fees1[0, 0] == fees1[0, 3] > 0.0


@pytest.mark.parametrize("max_pieces", [1, 7, 1000])
def test_cutting_the_steps_into_small_chunks_gives_the_same_groups(max_pieces: int) -> None:
    steps = FeeSteps.from_exact(random_steps(5, 200))
    whole = aggregate_buckets(steps, SPACING)
    chunked = aggregate_buckets(steps, SPACING, max_pieces=max_pieces)
    assert whole.bucket.tolist() == chunked.bucket.tolist()
    assert whole.other_liquidity.tolist() == chunked.other_liquidity.tolist()
    np.testing.assert_allclose(chunked.fee0, whole.fee0, rtol=1e-12)
    np.testing.assert_allclose(chunked.fee1, whole.fee1, rtol=1e-12)


def test_no_steps_or_only_still_steps_aggregate_cleanly() -> None:
    assert aggregate_buckets(FeeSteps.from_exact([]), SPACING).bucket.shape == (0,)
    price = get_sqrt_ratio_at_tick(-61)
    still = aggregate_buckets(FeeSteps.from_exact([ExactStep(price, price, False, 10, 0, 7, -61)]), SPACING)
    assert still.bucket.tolist() == [-2] and still.fee1.tolist() == [7.0] and still.fee0.tolist() == [0.0]
