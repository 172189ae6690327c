"""Round metrics: exact values in token1 units, HODL comparison, fees, IL and time in range."""

from __future__ import annotations

from simulator.metrics import RoundStart, compute_metrics
from simulator.portfolio import HeldPosition, Portfolio, burn_amounts, value_in_token1
from simulator.tickmath import get_sqrt_ratio_at_tick

ONE = 1 << 96  # sqrt price of 1.0 in Q64.96


def test_value_is_the_exact_floor_of_amount0_times_price_plus_amount1() -> None:
    assert value_in_token1(10, 7, ONE) == 17
    assert value_in_token1(10, 0, 2 * ONE) == 40  # price 4
    sqrt_price = get_sqrt_ratio_at_tick(12_345)
    assert value_in_token1(3, 0, sqrt_price) == 3 * sqrt_price * sqrt_price // 2**192


def test_idle_only_strategy_equals_hodl_and_has_no_il() -> None:
    start = RoundStart(1_000, 2_000, ONE)
    metrics = compute_metrics(start, Portfolio(1_000, 2_000), 2 * ONE, swaps_in_range=0, swaps_total=5)
    assert metrics.initial_value == 3_000
    assert metrics.final_value == metrics.hodl_value == 6_000
    assert metrics.pnl_vs_hodl == metrics.impermanent_loss == 0
    assert (metrics.delta0, metrics.delta1) == (0, 0)
    assert metrics.time_in_range == 0.0


def test_fees_count_in_pnl_but_not_in_impermanent_loss() -> None:
    position = HeldPosition(-600, 600, 10**18, fees0=100, fees1=50)
    portfolio = Portfolio(0, 0, (position,), fees_earned0=100, fees_earned1=50)
    start = RoundStart.of(Portfolio(0, 0, (HeldPosition(-600, 600, 10**18),)), ONE)
    final_price = get_sqrt_ratio_at_tick(300)
    metrics = compute_metrics(start, portfolio, final_price, swaps_in_range=3, swaps_total=4)
    burned0, burned1 = burn_amounts(position, final_price)
    assert (metrics.final_amount0, metrics.final_amount1) == (burned0 + 100, burned1 + 50)
    assert metrics.fees_value == value_in_token1(100, 50, final_price)
    assert metrics.pnl_vs_hodl == metrics.final_value - metrics.hodl_value
    assert metrics.impermanent_loss == metrics.pnl_vs_hodl - metrics.fees_value
    assert metrics.impermanent_loss < 0  # a position that the price moved through lost against HODL
    assert metrics.time_in_range == 0.75


def test_json_form_carries_amounts_as_decimal_strings() -> None:
    start = RoundStart(10**30, 1, ONE)
    metrics = compute_metrics(start, Portfolio(10**30, 1), ONE, swaps_in_range=1, swaps_total=1)
    payload = metrics.to_json()
    assert payload["initial_amount0"] == str(10**30)
    assert payload["rebalance_count"] == 0
    assert payload["time_in_range"] == 1.0
    assert payload["delta0"] == "0"
