"""Whatever a validator sends, the miner's serialized answer passes the validator's validation (hypothesis).

Random requests (any price, tick spacing, holdings and inventory, including values the miner cannot
read) go through the whole ``MinerService.answer`` path of every valid strategy; the answer is serialized
to JSON as the axon sends it and judged by ``protocol.validate_answer`` with the validator's context.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miner.config import MinerSettings
from miner.service import MinerService
from miner.strategies import VALID_STRATEGY_NAMES, build_strategy
from protocol import AnswerContext, Rejection, validate_answer
from protocol.models import Inventory
from protocol.synapse import RebalanceQuery
from tests.miner.states import amounts, held_positions, spacings, sqrt_prices

SERVICES = {name: MinerService(build_strategy(name, MinerSettings(_env_file=None))) for name in VALID_STRATEGY_NAMES}


@st.composite
def requests(draw: st.DrawFn) -> tuple[RebalanceQuery, AnswerContext]:
    spacing = draw(st.one_of(spacings(), st.integers(-5, 0), st.integers(16384, 10**6)))
    positions = draw(held_positions(max(1, min(spacing, 16383))))
    inventory = draw(st.tuples(amounts, amounts))
    exact = draw(st.one_of(st.none(), sqrt_prices().map(str), st.sampled_from(["", "-1", "1e5", "0x10", "7" * 90])))
    price = draw(st.one_of(st.floats(allow_nan=True, allow_infinity=True), sqrt_prices().map(float)))
    query = RebalanceQuery(
        job_id="job-1", sn_liquidity_manager_address="0x" + "1" * 40, pair_address="0x" + "2" * 40,
        round_id="r", round_type="evaluation", block_number=draw(st.integers(0, 10**9)), current_price=price,
        current_positions=[p.to_wire() for p in positions],
        inventory_remaining=Inventory(amount0=str(inventory[0]), amount1=str(inventory[1])),
        tick_spacing=spacing, sqrt_price_x96=exact,
    )  # fmt: skip
    context = AnswerContext(tick_spacing=max(1, spacing), inventory0=inventory[0], inventory1=inventory[1],
                            current_positions=positions)
    return query, context


@pytest.mark.parametrize("name", VALID_STRATEGY_NAMES)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests())
def test_serialized_answers_are_never_rejected(name: str, request: tuple[RebalanceQuery, AnswerContext]) -> None:
    query, context = request
    answered = asyncio.run(SERVICES[name].answer(query))
    decision = validate_answer(json.loads(answered.model_dump_json()), context)
    assert not isinstance(decision, Rejection), (decision, query)
