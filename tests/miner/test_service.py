"""One query end to end inside the miner: refusal policy, answer-time budget, safety net, metadata."""

from __future__ import annotations

import time
from typing import Any

import pytest

from miner.refusal import RefusalPolicy
from miner.service import MinerService
from miner.strategies.base import Answer, Strategy
from miner.strategies.faulty import Faulty
from miner.strategies.hold import Hold
from miner.strategies.volatility import VolatilityRange
from miner.view import QueryView
from protocol import AnswerContext, Keep, PositionSpec, Rebalance, Refuse, validate_answer
from protocol.models import Inventory
from protocol.synapse import RebalanceQuery
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.miner.states import POOL

CURRENT = (PositionSpec(194_940, 195_060, 10**8, 10**16),)


def _query(**changes: Any) -> RebalanceQuery:
    fields: dict[str, Any] = dict(
        job_id="job-1", sn_liquidity_manager_address="0x" + "1" * 40, pair_address=POOL, chain_id=8453,
        round_id="job-1:eval:1", round_type="evaluation", block_number=1000,
        current_price=float(get_sqrt_ratio_at_tick(195_000)), current_positions=[p.to_wire() for p in CURRENT],
        inventory_remaining=Inventory(amount0=str(2 * 10**8), amount1=str(10**17)), tick_spacing=60,
        sqrt_price_x96=str(get_sqrt_ratio_at_tick(195_000)), tick=195_000,
    )
    fields.update(changes)
    return RebalanceQuery(**fields)


def _decision(synapse: RebalanceQuery) -> object:
    context = AnswerContext(tick_spacing=60, inventory0=2 * 10**8, inventory1=10**17, current_positions=CURRENT)
    return validate_answer(synapse.model_dump(mode="json"), context)


class Sleeper(Strategy):
    name = "sleeper"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def decide(self, query: QueryView) -> Answer:
        time.sleep(self.seconds)
        return Rebalance((PositionSpec(194_940, 195_060, 1, 1),))


class Crasher(Strategy):
    name = "crasher"

    def decide(self, query: QueryView) -> Answer:
        raise ZeroDivisionError("strategy bug")


class Greedy(Strategy):
    name = "greedy"

    def decide(self, query: QueryView) -> Answer:
        return Rebalance((PositionSpec(194_940, 195_060, 10**30, 0),))


async def test_a_served_query_gets_a_valid_rebalance_and_the_miner_metadata() -> None:
    service = MinerService(VolatilityRange())
    answered = await service.answer(_query())
    assert isinstance(_decision(answered), Rebalance)
    assert answered.miner_metadata is not None and answered.miner_metadata.model_info.startswith("volatility")
    assert answered.miner_metadata.version


@pytest.mark.parametrize(
    ("policy", "changes", "reason"),
    [
        (RefusalPolicy.of(pools=["0x" + "9" * 40]), {}, f"pool {POOL} is not served"),
        (RefusalPolicy.of(jobs=["job-7"]), {}, "job job-1 is not served"),
        (RefusalPolicy.of(chain_ids=[1]), {}, "chain 8453 is not served"),
        (RefusalPolicy(), {"tick_spacing": 0}, "bad request: tick_spacing 0"),
        (RefusalPolicy(), {"sqrt_price_x96": "12x"}, "bad request: sqrt_price_x96 is not a decimal amount"),
        (RefusalPolicy(), {"sqrt_price_x96": "1"}, "bad request: the sqrt price is outside"),
    ],
)
async def test_refusals_carry_their_reason(policy: RefusalPolicy, changes: dict[str, Any], reason: str) -> None:
    answered = await MinerService(Hold(), policy).answer(_query(**changes))
    assert answered.accepted is False and answered.desired_positions is None
    decision = validate_answer(answered.model_dump(mode="json"), AnswerContext(tick_spacing=60, inventory0=0,
                                                                                inventory1=0))
    assert isinstance(decision, Refuse) and decision.reason is not None and decision.reason.startswith(reason)


async def test_served_pools_jobs_and_chains_are_answered() -> None:
    policy = RefusalPolicy.of(pools=[POOL.upper().replace("0X", "0x")], jobs=["job-1"], chain_ids=[8453])
    answered = await MinerService(Hold(), policy).answer(_query())
    assert answered.accepted is True and isinstance(_decision(answered), Keep)


async def test_a_strategy_over_its_budget_is_answered_with_a_keep_within_the_budget() -> None:
    service = MinerService(Sleeper(2.0), budget_s=0.2)
    began = time.perf_counter()
    answered = await service.answer(_query())
    elapsed = time.perf_counter() - began
    assert elapsed < 1.5
    assert isinstance(_decision(answered), Keep) and service.stats.over_budget == 1
    service.close()


async def test_the_budget_is_capped_by_the_callers_timeout() -> None:
    service = MinerService(Hold(), budget_s=30.0)
    assert service.budget_for(_query(timeout=5.0)) == pytest.approx(4.0)
    assert service.budget_for(_query(timeout=60.0)) == 30.0


async def test_a_crashing_strategy_keeps_the_positions() -> None:
    service = MinerService(Crasher())
    answered = await service.answer(_query())
    assert isinstance(_decision(answered), Keep) and service.stats.strategy_errors == 1


async def test_an_answer_the_validator_would_reject_becomes_a_keep() -> None:
    service = MinerService(Greedy())
    answered = await service.answer(_query())
    assert isinstance(_decision(answered), Keep) and service.stats.unsafe_answers == 1


async def test_the_faulty_demo_strategy_bypasses_the_safety_net() -> None:
    answered = await MinerService(Faulty()).answer(_query())
    decision = _decision(answered)
    assert not isinstance(decision, (Keep, Rebalance, Refuse))


async def test_an_old_style_request_without_exact_price_is_answered_from_current_price() -> None:
    answered = await MinerService(VolatilityRange()).answer(_query(sqrt_price_x96=None, tick=None))
    assert isinstance(_decision(answered), Rebalance)
