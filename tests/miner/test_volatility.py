"""The volatility strategy: width follows realized volatility, re-centres near edges, uses the inventory."""

from __future__ import annotations

from miner.strategies._ranges import TickRange, liquidity_for, place_range
from miner.strategies.volatility import TickHistory, VolatilityParams, VolatilityRange
from protocol.decisions import Keep, PositionSpec, Rebalance
from tests.miner.states import view

PARAMS = VolatilityParams(min_half_width=60, max_half_width=50_000, default_half_width=1200)


def _range(answer: object) -> TickRange:
    assert isinstance(answer, Rebalance)
    (position,) = answer.positions
    return TickRange(position.tick_lower, position.tick_upper)


def test_half_width_grows_with_realized_volatility_and_starts_at_the_default() -> None:
    strategy = VolatilityRange(PARAMS)
    calm = [(b, 195_000 + (b // 150) % 2 * 5) for b in range(0, 3000, 150)]
    wild = [(b, 195_000 + (b // 150) % 2 * 1000) for b in range(0, 3000, 150)]
    assert strategy.half_width([]) == 1200
    assert strategy.half_width(calm) < 1200 < strategy.half_width(wild)


def test_a_few_quiet_checkpoints_narrow_the_range_gradually_not_to_the_minimum() -> None:
    strategy = VolatilityRange(PARAMS)
    quiet = [(0, 195_000), (150, 195_000), (300, 195_000)]
    assert 600 < strategy.half_width(quiet) < 1200


def test_width_is_clamped_to_the_configured_bounds() -> None:
    strategy = VolatilityRange(VolatilityParams(min_half_width=300, max_half_width=900))
    assert strategy.half_width([(0, 0), (1, 50_000), (2, 0)]) == 900
    assert strategy.half_width([(b, 7) for b in range(0, 10**6, 10**4)]) == 300


def test_first_answer_is_a_range_around_the_price_on_the_spacing_using_the_inventory() -> None:
    query = view(tick=195_010, spacing=60)
    where = _range(VolatilityRange(PARAMS).decide(query))
    assert where.lower % 60 == 0 and where.upper % 60 == 0
    margin = PARAMS.edge_fraction * where.width
    assert where.lower + margin <= query.tick < where.upper - margin
    assert where.width == 2400


def test_keeps_while_the_price_is_inside_the_band_and_recentres_near_an_edge() -> None:
    strategy = VolatilityRange(PARAMS)
    first = _range(strategy.decide(view(tick=195_010, block=1000)))
    held = (PositionSpec(first.lower, first.upper, 10**17, 10**11),)
    middle = (first.lower + first.upper) // 2
    assert isinstance(strategy.decide(view(tick=middle, positions=held, block=1150)), Keep)
    near_edge = first.upper - int(0.05 * first.width)
    moved = _range(strategy.decide(view(tick=near_edge, positions=held, block=1300)))
    assert moved != first and moved.lower < near_edge < moved.upper


def test_never_rebalances_into_the_range_it_already_holds() -> None:
    strategy = VolatilityRange(PARAMS)
    only_token1 = view(tick=195_010, inventory=(0, 5 * 10**17))
    below = _range(strategy.decide(only_token1))
    held = (PositionSpec(below.lower, below.upper, 0, 5 * 10**17),)
    again = view(tick=195_010, positions=held, inventory=(0, 5 * 10**17), block=1001)
    assert isinstance(strategy.decide(again), Keep)


def test_one_sided_inventories_get_a_range_on_their_side_of_the_price() -> None:
    strategy = VolatilityRange(PARAMS)
    above = _range(strategy.decide(view(tick=195_010, inventory=(10**18, 0))))
    below = _range(strategy.decide(view(tick=195_010, inventory=(0, 10**18), pool="0x" + "2" * 40)))
    assert above.lower > 195_010 and below.upper <= 195_010


def test_placement_funds_at_least_as_much_liquidity_as_the_centred_range() -> None:
    query = view(tick=195_010, inventory=(10**18, 10**10))  # lopsided: mostly token0
    width = 2400
    placed = place_range(query, width, PARAMS.edge_fraction)
    centred = TickRange(195_010 // 60 * 60 - 1200, 195_010 // 60 * 60 + 1200)
    placed_liquidity = liquidity_for(query, placed, 10**18, 10**10)
    centred_liquidity = liquidity_for(query, centred, 10**18, 10**10)
    assert placed_liquidity is not None and centred_liquidity is not None
    assert placed_liquidity > centred_liquidity


def test_history_keeps_the_last_window_blocks_per_pool_and_few_pools() -> None:
    history = TickHistory(window=3, max_pools=2)
    for block in range(10):
        kept = history.observe("a", block, block * 10)
    assert kept == [(7, 70), (8, 80), (9, 90)]
    history.observe("b", 1, 1)
    history.observe("c", 1, 1)
    assert history.observe("a", 10, 100) == [(10, 100)]  # "a" was the least recent, dropped
