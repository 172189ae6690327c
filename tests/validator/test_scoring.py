"""Targets, rank normalisation, EMAs and the winner's tie-breaks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.metrics import StrategyMetrics
from simulator.targets import UnknownTarget, inventory_loss, pnl_vs_hodl, proof_of_liquidity, target_named
from validator.scoring import Contender, live_rank, rank_scores, winner


def _metrics(initial: tuple[int, int], final: tuple[int, int], initial_value: int, final_value: int,
             hodl_value: int) -> StrategyMetrics:
    return StrategyMetrics(
        initial_amount0=initial[0], initial_amount1=initial[1], final_amount0=final[0], final_amount1=final[1],
        initial_value=initial_value, final_value=final_value, hodl_value=hodl_value, fees0=0, fees1=0,
        fees_value=0, impermanent_loss=final_value - hodl_value, pnl_vs_hodl=final_value - hodl_value,
        swaps_in_range=0, swaps_total=0, rebalance_count=0,
    )


def test_pnl_vs_hodl_is_relative_to_initial_value() -> None:
    assert pnl_vs_hodl(_metrics((1, 1), (1, 1), 1000, 1050, 1000)) == pytest.approx(0.05)
    assert pnl_vs_hodl(_metrics((1, 1), (1, 1), 1000, 950, 1000)) == pytest.approx(-0.05)


def test_pol_penalises_inventory_loss_smoothly() -> None:
    holding = _metrics((100, 100), (100, 100), 1000, 1100, 1100)
    lost_ten_percent = _metrics((100, 100), (90, 112), 1000, 1100, 1100)
    assert inventory_loss(lost_ten_percent) == pytest.approx(0.1)
    assert proof_of_liquidity(holding) == pytest.approx(0.1)
    assert proof_of_liquidity(lost_ten_percent) == pytest.approx(0.1 * math.exp(-1.0))
    shrinking = _metrics((100, 100), (90, 100), 1000, 900, 900)
    assert proof_of_liquidity(shrinking) < -0.1  # losing tokens makes a loss worse, never better


def test_targets_are_looked_up_by_name() -> None:
    assert target_named("PoL") is proof_of_liquidity
    with pytest.raises(UnknownTarget):
        target_named("moon")


def test_rank_scores_share_ties_and_put_no_answer_last() -> None:
    scores = rank_scores({"a": 0.3, "b": 0.1, "c": 0.3, "d": None})
    assert scores == {"a": pytest.approx(2.5 / 3), "c": pytest.approx(2.5 / 3), "b": pytest.approx(1 / 3), "d": 0.0}
    assert rank_scores({"solo": -5.0}) == {"solo": 1.0}
    assert rank_scores({"solo": None}) == {"solo": 0.0}


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1))
def test_rank_scores_are_in_unit_interval_and_monotone(raw: dict[str, float | None]) -> None:
    scores = rank_scores(raw)
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    for a, ra in raw.items():
        for b, rb in raw.items():
            if ra is not None and (rb is None or ra > rb):
                assert scores[a] > scores[b] or len(raw) == 1


def test_winner_tie_breaks_by_history_then_speed_then_uid() -> None:
    a = Contender("a", 5, 0.2, previous_combined=0.1, response_ms=50)
    b = Contender("b", 3, 0.2, previous_combined=0.3, response_ms=90)
    c = Contender("c", 1, 0.2, previous_combined=0.3, response_ms=40)
    d = Contender("d", 0, 0.2, previous_combined=0.3, response_ms=40)
    none = Contender("z", 9, None, previous_combined=1.0, response_ms=1)
    assert winner([a, b]) == b
    assert winner([a, b, c]) == c
    assert winner([c, d]) == d
    assert winner([none]) is None


def test_live_rank_counts_beats_and_ties() -> None:
    assert live_rank(0.1, [0.0, 0.1, 0.2, 0.3]) == pytest.approx(0.5)
    assert live_rank(-1.0, []) == 1.0
