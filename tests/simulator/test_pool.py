"""The Pool engine's own rules: amounts and rounding of mint/burn/collect, fees to positions,
protocol fee, tick crossing, bitmap word steps, reverts without side effects, and Slipstream."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InvalidPoolState, MathError
from simulator.pool import Pool
from simulator.sqrt_price_math import get_amount0_delta, get_amount1_delta
from simulator.tickmath import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

E18 = 10**18
DOWN = MIN_SQRT_RATIO + 1
UP = MAX_SQRT_RATIO - 1


def fresh(fee: int = 3000, spacing: int = 60, tick: int = 0, **kwargs: int) -> Pool:
    return Pool(fee, spacing, get_sqrt_ratio_at_tick(tick), **kwargs)  # type: ignore[arg-type]


def test_mint_in_range_takes_both_tokens_rounded_up() -> None:
    pool = fresh()
    amount0, amount1 = pool.mint("lp", -600, 600, E18)
    price = pool.sqrt_price_x96
    assert amount0 == get_amount0_delta(price, get_sqrt_ratio_at_tick(600), E18, True)
    assert amount1 == get_amount1_delta(get_sqrt_ratio_at_tick(-600), price, E18, True)
    assert pool.liquidity == E18
    assert pool.ticks[-600].liquidity_net == E18 and pool.ticks[600].liquidity_net == -E18


def test_mint_out_of_range_takes_one_token_and_leaves_active_liquidity() -> None:
    pool = fresh()
    assert pool.mint("lp", 600, 1200, E18)[1] == 0
    assert pool.mint("lp", -1200, -600, E18)[0] == 0
    assert pool.liquidity == 0


def test_burn_returns_rounded_down_amounts_as_owed_and_collect_pays_them() -> None:
    pool = fresh()
    paid = pool.mint("lp", -600, 600, E18)
    returned = pool.burn("lp", -600, 600, E18)
    assert all(r <= p <= r + 1 for r, p in zip(returned, paid))
    position = pool.positions[("lp", -600, 600)]
    assert (position.tokens_owed0, position.tokens_owed1) == returned
    assert pool.collect("lp", -600, 600, 5, 10**30) == (5, returned[1])
    assert (position.tokens_owed0, position.tokens_owed1) == (returned[0] - 5, 0)
    assert -600 not in pool.ticks and pool.tick_bitmap == {}


def test_a_lone_position_earns_every_lp_fee_less_rounding() -> None:
    pool = fresh()
    pool.mint("lp", -6000, 6000, 10 * E18)
    fees0 = fees1 = steps = 0
    for k in range(20):
        result = pool.swap(k % 2 == 0, (k + 1) * 10**16, DOWN if k % 2 == 0 else UP)
        steps += result.step_count
        if result.zero_for_one:
            fees0 += sum(result.step_lp_fee)
        else:
            fees1 += sum(result.step_lp_fee)
    pool.burn("lp", -6000, 6000, 0)
    position = pool.positions[("lp", -6000, 6000)]
    assert fees0 - steps <= position.tokens_owed0 <= fees0
    assert fees1 - steps <= position.tokens_owed1 <= fees1


def test_fees_split_between_positions_by_liquidity() -> None:
    pool = fresh()
    pool.mint("a", -600, 600, 3 * E18)
    pool.mint("b", -600, 600, E18)
    pool.swap(True, E18 // 100, DOWN)
    pool.burn("a", -600, 600, 0)
    pool.burn("b", -600, 600, 0)
    owed_a = pool.positions[("a", -600, 600)].tokens_owed0
    owed_b = pool.positions[("b", -600, 600)].tokens_owed0
    assert owed_b > 0 and abs(owed_a - 3 * owed_b) <= 3


def test_protocol_fee_takes_fee_over_denominator_per_step() -> None:
    pool = fresh()
    pool.mint("lp", -6000, 6000, E18)
    pool.set_fee_protocol(4, 10)
    down = pool.swap(True, E18 // 10, DOWN)
    up = pool.swap(False, E18 // 10, UP)
    assert pool.protocol_fees0 == sum(f // 4 for f in down.step_fee) > 0
    assert pool.protocol_fees1 == sum(f // 10 for f in up.step_fee) > 0
    assert down.step_lp_fee == [f - f // 4 for f in down.step_fee]


@pytest.mark.parametrize(("fp0", "fp1"), [(3, 0), (0, 11), (1, 4)])
def test_invalid_fee_protocol_is_refused(fp0: int, fp1: int) -> None:
    with pytest.raises(InvalidPoolState):
        fresh().set_fee_protocol(fp0, fp1)


def test_crossing_down_onto_a_tick_leaves_the_tick_below_it() -> None:
    pool = fresh(spacing=60)
    pool.mint("wide", -6000, 6000, E18)
    pool.mint("narrow", -120, 120, E18)
    result = pool.swap(True, 10**30, get_sqrt_ratio_at_tick(-120))
    assert pool.sqrt_price_x96 == get_sqrt_ratio_at_tick(-120)
    assert pool.tick == -121  # `tick = tickNext - 1` after a downward cross
    assert pool.liquidity == E18 == result.liquidity  # the narrow position is out of range
    pool.swap(False, 1000, UP)
    assert pool.liquidity == 2 * E18 and pool.tick >= -120


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(-(10**30), 10**30).filter(bool), st.sampled_from([0, 3, 9, 10])),
        min_size=1,
        max_size=25,
    )
)
def test_the_tick_after_every_swap_is_the_contracts(swaps: list[tuple[bool, int, int]]) -> None:
    """The swap loop finds the tick of a price inside a range with its own inlined search: after every
    swap (up to the extreme prices, where ranges near MIN_TICK/MAX_TICK end steps mid-range) the tick
    must be TickMath's, or one below a tick the price landed on exactly while moving down."""
    pool = fresh(fee=500, spacing=10)
    for lower, upper in ((MIN_TICK + 2, MIN_TICK + 52), (-887270, 887270), (-200, 300), (MAX_TICK - 52, MAX_TICK - 2)):
        lower, upper = lower - lower % 10, upper - upper % 10
        pool.mint("lp", lower, upper, 10**20)
    for zero_for_one, amount, tenths in swaps:  # the price limit: this many tenths of the way to the edge
        price = pool.sqrt_price_x96
        edge = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        limit = price + (edge - price) * tenths // 10
        if limit == price or (limit < price) != zero_for_one:
            continue
        try:
            result = pool.swap(zero_for_one, amount, limit)
        except MathError:
            continue  # an output larger than the reserves: the contract reverts as well
        exact = get_tick_at_sqrt_ratio(result.sqrt_price_x96)
        landed_on_tick_moving_down = zero_for_one and result.sqrt_price_x96 == get_sqrt_ratio_at_tick(exact)
        assert result.tick in ((exact - 1, exact) if landed_on_tick_moving_down else (exact,))


@pytest.mark.parametrize("start", [-300_000, -60, 0, 60, 300_000])
def test_a_swap_ending_exactly_on_a_tick_price_moving_up_is_at_that_tick(start: int) -> None:
    """With liquidity 2**96 and no fee, token1 in moves the price by exactly the amount, so the swap can
    end on a tick's price mid-range: the tick is then that tick (the greatest with price <= P)."""
    for target in range(start + 1, start + 41):
        pool = fresh(fee=0, spacing=60, tick=start)
        pool.mint("lp", -887220, 887220, 2**96)
        price = pool.sqrt_price_x96
        result = pool.swap(False, get_sqrt_ratio_at_tick(target) - price, UP)
        assert result.sqrt_price_x96 == get_sqrt_ratio_at_tick(target)
        assert result.tick == target


def test_steps_stop_at_every_bitmap_word_boundary() -> None:
    pool = fresh(fee=500, spacing=10)
    pool.mint("lp", -887270, 887270, E18)
    result = pool.swap(True, 10**30, get_sqrt_ratio_at_tick(-10 * 256 * 3 - 5))
    # no initialized tick in between, yet one step per 256-tick-spacing word (and one to the limit)
    assert result.step_count == 5
    assert result.step_tick_end[:4] == [-1, -2561, -5121, -7681]


def test_quote_does_not_change_the_pool_and_apply_matches_swap() -> None:
    pool = fresh()
    pool.mint("lp", -600, 600, E18)
    before = pool.snapshot()
    quoted = pool.quote_swap(True, E18, DOWN)
    assert pool.snapshot() == before
    pool.apply_swap(quoted)
    other = Pool.from_snapshot(before)
    assert other.swap(True, E18, DOWN)[:6] == quoted[:6]
    assert other.snapshot() == pool.snapshot()


def test_exact_output_receives_exactly_the_amount_asked() -> None:
    pool = fresh()
    pool.mint("lp", -6000, 6000, 10 * E18)
    result = pool.swap(True, -12345678901234, DOWN)
    assert result.amount1 == -12345678901234 and result.amount0 > 0


def test_per_swap_fee_override() -> None:
    pool = fresh()
    pool.mint("lp", -6000, 6000, 10 * E18)
    low = pool.quote_swap(True, E18, DOWN, fee_pips=100)
    high = pool.quote_swap(True, E18, DOWN)
    assert low.fee_pips == 100 and sum(low.step_fee) < sum(high.step_fee)
    assert low.amount1 < high.amount1  # more output for the lower fee (amount1 is negative)


@pytest.mark.parametrize(
    ("lower", "upper", "reason"), [(60, -60, "TLU"), (-887280, 60, "TLM"), (-60, 887280, "TUM")]
)
def test_bad_ticks_revert_with_the_contract_reason(lower: int, upper: int, reason: str) -> None:
    with pytest.raises(InvalidPoolState) as info:
        fresh().mint("lp", lower, upper, E18)
    assert info.value.reason == reason


def test_reverts_leave_the_pool_unchanged() -> None:
    pool = fresh()
    pool.mint("lp", -600, 600, E18)
    before = pool.snapshot()
    with pytest.raises(MathError):
        pool.burn("lp", -600, 600, E18 + 1)
    with pytest.raises(InvalidPoolState):
        pool.mint("lp", -610, 600, E18)  # not a multiple of the spacing
    with pytest.raises(InvalidPoolState) as cap:
        pool.mint("lp", -600, 600, pool.max_liquidity_per_tick)
    assert cap.value.reason == "LO"
    with pytest.raises(InvalidPoolState) as poke:
        pool.burn("nobody", -600, 600, 0)
    assert poke.value.reason == "NP"
    assert pool.snapshot() == before and pool.positions[("lp", -600, 600)].liquidity == E18


def test_swap_entry_checks() -> None:
    pool = fresh()
    with pytest.raises(InvalidPoolState) as zero:
        pool.swap(True, 0, DOWN)
    assert zero.value.reason == "AS"
    with pytest.raises(InvalidPoolState) as wrong_side:
        pool.swap(True, 1, UP)
    assert wrong_side.value.reason == "SPL"
    with pytest.raises(InvalidPoolState) as again:
        pool.initialize(1 << 96)
    assert again.value.reason == "AI"


def test_slipstream_unstaked_fee_goes_to_the_gauge() -> None:
    pool = fresh(unstaked_fee=100_000)  # 10% of unstaked LPs' fees
    pool.mint("lp", -6000, 6000, E18)
    result = pool.swap(True, E18 // 10, DOWN)
    fee = sum(result.step_fee)
    levy = sum(-(-f * 100_000 // 10**6) for f in result.step_fee)
    assert sum(result.step_lp_fee) == fee - levy and pool.gauge_fees0 == levy > 0


def test_slipstream_staked_liquidity_share_goes_to_the_gauge_and_crosses_ticks() -> None:
    pool = fresh(unstaked_fee=0)
    pool.mint("lp", -600, 600, 4 * E18)
    pool.stake(-600, 600, E18)
    assert pool.staked_liquidity == E18
    result = pool.swap(True, E18 // 1000, DOWN)
    fee = result.step_fee[0]
    staked_share = -(-fee * E18 // (4 * E18))
    assert result.step_lp_fee[0] == fee - staked_share
    assert result.step_liquidity[0] == 3 * E18  # the liquidity that shares the LP fee
    pool.swap(True, 10**30, get_sqrt_ratio_at_tick(-700))
    assert pool.liquidity == 0 and pool.staked_liquidity == 0


def test_stake_needs_a_slipstream_pool() -> None:
    pool = fresh()
    pool.mint("lp", -600, 600, E18)
    with pytest.raises(InvalidPoolState):
        pool.stake(-600, 600, E18)


def test_a_full_burn_reads_fees_inside_before_its_ticks_are_cleared() -> None:
    pool = fresh()
    pool.mint("wide", -6000, 6000, E18)
    pool.swap(True, E18 // 100, DOWN)  # fees accrue before the narrow position exists
    pool.mint("narrow", -600, 600, E18)
    result = pool.swap(False, E18 // 100, UP)
    returned = pool.burn("narrow", -600, 600, E18)  # empties and clears both of its ticks
    assert -600 not in pool.ticks and 600 not in pool.ticks
    position = pool.positions[("narrow", -600, 600)]
    earned1 = position.tokens_owed1 - returned[1]
    assert position.tokens_owed0 == returned[0]  # it earned no token0: that swap came before its mint
    assert abs(earned1 - sum(result.step_lp_fee) // 2) <= 2  # half the liquidity in range, half the fees


def test_a_slipstream_snapshot_keeps_its_staked_liquidity() -> None:
    pool = fresh(unstaked_fee=50_000)
    pool.mint("lp", -600, 600, 2 * E18)
    pool.stake(-600, 600, E18)
    resumed = Pool.from_snapshot(pool.snapshot())
    assert resumed.staked_liquidity == E18 and resumed.unstaked_fee == 50_000
    assert resumed.snapshot() == pool.snapshot()
    assert resumed.swap(True, 10**30, get_sqrt_ratio_at_tick(-700)).staked_liquidity == 0


def test_stake_skips_an_uninitialized_tick_as_clpool_does() -> None:
    # CLPool.stake: "Only update ticks if current tick is initialized"; the in-range staked
    # liquidity changes regardless
    pool = fresh(unstaked_fee=0)
    pool.mint("lp", -600, 600, 2 * E18)
    pool.stake(-1200, 600, E18)  # -1200 holds no liquidity
    assert sorted(pool.ticks) == [-600, 600]
    assert pool.ticks[600].staked_liquidity_net == -E18 and pool.ticks[-600].staked_liquidity_net == 0
    assert pool.staked_liquidity == E18


def test_a_stake_that_reverts_changes_nothing() -> None:
    pool = fresh(unstaked_fee=0)
    pool.mint("lp", -600, 600, E18)
    with pytest.raises(MathError) as unstake:
        pool.stake(-600, 600, -E18)  # LiquidityMath.addDelta(stakedLiquidity 0, -1e18) reverts first
    assert unstake.value.reason == "LS"
    assert pool.ticks[-600].staked_liquidity_net == 0 and pool.ticks[600].staked_liquidity_net == 0
    assert pool.staked_liquidity == 0


def test_stake_with_positions_moves_liquidity_to_the_gauge_which_earns_no_fee_growth() -> None:
    # CLPool.stake(positionUpdate=true): nftPosition.update(-delta, inside, staked=false) credits its
    # fees first; gaugePosition.update(+delta, inside, staked=true) credits none (Position.update)
    q128 = 1 << 128
    pool = fresh(unstaked_fee=0)
    pool.mint("nft", -600, 600, 4 * E18)
    pool.swap(True, E18 // 100, DOWN)
    inside0, _ = pool.fee_growth_inside(-600, 600)
    pool.stake(-600, 600, E18, positions=("nft", "gauge"))
    nft, gauge = pool.positions[("nft", -600, 600)], pool.positions[("gauge", -600, 600)]
    assert (nft.liquidity, nft.tokens_owed0) == (3 * E18, inside0 * 4 * E18 // q128)
    assert (gauge.liquidity, gauge.tokens_owed0, gauge.fee_growth_inside0_last_x128) == (E18, 0, inside0)
    owed_before = nft.tokens_owed0
    pool.swap(True, E18 // 100, DOWN)  # fee growth now counts only the 3e18 unstaked liquidity
    later0, _ = pool.fee_growth_inside(-600, 600)
    pool.stake(-600, 600, -E18, positions=("nft", "gauge"))
    assert (gauge.liquidity, gauge.tokens_owed0, gauge.fee_growth_inside0_last_x128) == (0, 0, later0)
    assert nft.liquidity == 4 * E18
    assert nft.tokens_owed0 == owed_before + (later0 - inside0) * 3 * E18 // q128
    with pytest.raises(MathError) as too_much:
        pool.stake(-600, 600, 5 * E18, positions=("nft", "gauge"))  # the nft position holds only 4e18
    assert too_much.value.reason == "LS" and pool.staked_liquidity == 0 and nft.liquidity == 4 * E18


def test_crossing_reverts_where_clpools_staked_liquidity_would_go_negative() -> None:
    # CLPool.swap crosses with stakedLiquidity = LiquidityMath.addDelta(stakedLiquidity, net), net negated
    # moving down: below zero it reverts 'LS'. Reachable through stake: above the range the staked
    # liquidity stays 0 and only the initialized lower tick gets +1e18
    pool = fresh(unstaked_fee=0, tick=700)
    pool.mint("lp", -600, 1200, E18)
    pool.stake(-600, 600, E18)  # 600 is not initialized: skipped
    assert pool.staked_liquidity == 0 and pool.ticks[-600].staked_liquidity_net == E18
    before = pool.snapshot()
    with pytest.raises(MathError) as crossing:
        pool.swap(True, 10**30, get_sqrt_ratio_at_tick(-700))
    assert crossing.value.reason == "LS" and pool.snapshot() == before


def test_slipstream_fee_split_rounds_as_clpool_calculate_fees() -> None:
    # Hand-derived from CLPool.calculateFees/splitFees/applyUnstakedFees for a step fee of 3000000000038,
    # liquidity 4e18 of which 1e18 staked, unstakedFee 15%:
    #   staked share  mulDivRoundingUp(fee, 1e18, 4e18)           = ceil(750000000009.5)  = 750000000010
    #   unstaked levy mulDivRoundingUp(fee - 750000000010, 15e4, 1e6) = ceil(337500000004.2) = 337500000005
    #   LP fee        2250000000028 - 337500000005                 = 1912500000023
    #   fee growth    mulDiv(1912500000023, 2**128, 4e18 - 1e18)
    pool = fresh(unstaked_fee=150_000)
    pool.mint("lp", -600, 600, 4 * E18)
    pool.stake(-600, 600, E18)
    result = pool.swap(True, 1_000_000_000_012_345, DOWN)
    assert result.step_fee[-1] == 3_000_000_000_038 and sum(result.step_fee[:-1]) == 0
    assert result.step_lp_fee[-1] == 1_912_500_000_023 and result.step_liquidity[-1] == 3 * E18
    assert pool.gauge_fees0 == 750_000_000_010 + 337_500_000_005
    assert pool.fee_growth_global0_x128 == 1_912_500_000_023 * (1 << 128) // (3 * E18)


def test_slipstream_fees_all_go_to_the_gauge_when_all_liquidity_is_staked() -> None:
    # calculateFees: `if (_liquidity == _stakedLiquidity) stakedFeeAmount = feeAmount` (no fee growth)
    pool = fresh(unstaked_fee=150_000)
    pool.mint("lp", -600, 600, 4 * E18)
    pool.stake(-600, 600, 4 * E18)
    result = pool.swap(True, 1_000_000_000_012_345, DOWN)
    assert pool.gauge_fees0 == sum(result.step_fee) == 3_000_000_000_038
    assert pool.fee_growth_global0_x128 == 0 and sum(result.step_lp_fee) == 0
