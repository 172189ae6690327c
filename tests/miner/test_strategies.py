"""Every reference strategy's answer passes the validator's own validation, for any state (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miner.config import MinerSettings
from miner.strategies import STRATEGY_NAMES, VALID_STRATEGY_NAMES, build_strategy
from miner.strategies.base import Strategy
from miner.view import QueryView
from protocol.decisions import Keep, Rebalance, ReasonCode, Rejection
from protocol.validation import validate_answer
from simulator.portfolio import DesiredPosition, Portfolio, Rejected, apply_decision
from tests.miner.states import context, random_views, view, wire_answer

SETTINGS = MinerSettings(_env_file=None)


def _strategy(name: str) -> Strategy:
    return build_strategy(name, SETTINGS)


@pytest.mark.parametrize("name", VALID_STRATEGY_NAMES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries=st.lists(random_views(), min_size=1, max_size=4))
def test_answers_always_pass_validate_answer(name: str, queries: list[QueryView]) -> None:
    strategy = _strategy(name)
    for query in queries:
        answer = strategy.decide(query)
        decision = validate_answer(wire_answer(query, answer), context(query))
        assert not isinstance(decision, Rejection), (name, query, answer, decision)
        assert isinstance(decision, (Keep, Rebalance))


@pytest.mark.parametrize("name", [n for n in VALID_STRATEGY_NAMES if n != "hold"])
@settings(max_examples=100, deadline=None)
@given(query=random_views())
def test_rebalances_from_idle_tokens_are_minted_by_the_simulation(name: str, query: QueryView) -> None:
    """With only idle tokens, an active strategy mints, and the simulation's own rebalance accepts the
    answer (no overflow, no excess); with no tokens at all it keeps."""
    idle = view(sqrt_price=query.sqrt_price_x96, spacing=query.tick_spacing, inventory=(
        query.inventory0 or 0, query.inventory1 or 0))
    answer = _strategy(name).decide(idle)
    if not (idle.inventory0 or idle.inventory1):
        assert isinstance(answer, Keep)
        return
    assert isinstance(answer, Rebalance), answer
    desired = [DesiredPosition(p.tick_lower, p.tick_upper, p.allocation0, p.allocation1) for p in answer.positions]
    result = apply_decision(Portfolio(idle.inventory0 or 0, idle.inventory1 or 0), desired, idle.sqrt_price_x96,
                            tick_spacing=idle.tick_spacing, max_positions=10)
    assert not isinstance(result, Rejected), result


def test_faulty_answers_are_rejected_for_allocating_above_the_inventory() -> None:
    query = view(tick=195_000)
    decision = validate_answer(wire_answer(query, _strategy("faulty").decide(query)), context(query))
    assert isinstance(decision, Rejection) and decision.code is ReasonCode.ALLOCATION_ABOVE_INVENTORY


def test_every_registered_strategy_describes_itself() -> None:
    for name in STRATEGY_NAMES:
        assert _strategy(name).describe().startswith(name)


def test_hold_keeps_and_full_range_mints_once_then_keeps() -> None:
    query = view(tick=-23_028)
    assert isinstance(_strategy("hold").decide(query), Keep)
    first = _strategy("full-range").decide(query)
    assert isinstance(first, Rebalance)
    (position,) = first.positions
    assert (position.tick_lower, position.tick_upper) == (-887_220, 887_220)
    assert (position.allocation0, position.allocation1) == (query.inventory0, query.inventory1)
    held = view(tick=-23_028, positions=first.positions)
    assert isinstance(_strategy("full-range").decide(held), Keep)
