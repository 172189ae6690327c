"""Backtest: the miner's own strategies, asked checkpoint by checkpoint exactly as a validator asks.

The round is what an evaluation round of a validator would be over blocks ``(from_block, to_block]``
of a pool's real history: the pool is replayed exactly from its ``Initialize`` event to
``from_block``, then one ``simulator.batch.RoundBatch`` (the object the validator drives) carries every
strategy at once. At each checkpoint (``from_block``, then every ``checkpoint_blocks`` blocks, all
before ``to_block``) each strategy still in the round gets a ``RebalanceQuery`` with its own state,
filled like the validator's request (price, its positions with their burn amounts, the inventory it
may allocate), and answers through the same ``MinerService`` the axon runs (refusal policy, budget,
safety net). The answer's response fields, as JSON, go through ``protocol.validate_answer`` and are
applied as the validator applies them: refuse drops the strategy for the round, keep changes nothing,
a rebalance goes to ``RoundBatch.apply`` (which may still reject it), a rejection keeps the positions.

At ``to_block`` the metrics are ``RoundBatch.metrics()`` and the raw score is the job's target from
``simulator.targets`` (the validator's own functions); a strategy that refused or never answered
validly has no score, as in the validator. Amounts are raw token units, prices Q64.96.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from miner.errors import BacktestError
from miner.service import MinerService
from protocol.decisions import Keep, PositionSpec, ReasonCode, Rebalance, Refuse, Rejection
from protocol.models import Inventory
from protocol.validation import DEFAULT_MAX_POSITIONS, AnswerContext, validate_answer
from simulator.batch import RoundBatch, StrategyStart, StrategyState
from simulator.csv_events import PoolHistory
from simulator.events import PoolEvent
from simulator.liquidity_amounts import get_amounts_for_liquidity
from simulator.metrics import StrategyMetrics
from simulator.pool import Pool
from simulator.replay import pool_from_start, replay
from simulator.targets import target_named
from simulator.tickmath import get_sqrt_ratio_at_tick

if TYPE_CHECKING:
    from protocol.synapse import RebalanceQuery

RESPONSE_FIELDS = ("accepted", "refusal_reason", "desired_positions", "miner_metadata")
DEFAULT_SHARE_OF_LIQUIDITY = 100
"""Default inventory: what 1/100 of the pool's active liquidity holds over +-DEFAULT_HALF_WIDTH ticks."""
DEFAULT_HALF_WIDTH = 1000


@dataclass(frozen=True, slots=True)
class BacktestWindow:
    """The round: blocks, checkpoint interval (blocks), start inventory (raw units; None: the default),
    the job's target name, and the request fields a validator would send."""

    pool: str
    from_block: int
    to_block: int
    checkpoint_blocks: int = 150
    amount0: int | None = None
    amount1: int | None = None
    target: str = "pnl_vs_hodl"
    job_id: str = "backtest"
    vault: str = "0x" + "0" * 40
    chain_id: int = 8453
    max_positions: int = DEFAULT_MAX_POSITIONS
    query_timeout_s: float = 60.0


@dataclass(slots=True)
class AnswerCounts:
    """What one strategy's answers became, per checkpoint."""

    kept: int = 0
    rebalanced: int = 0
    rejected: int = 0
    no_answer: int = 0
    refused_at: int | None = None
    refusal_reason: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def valid(self) -> int:
        return self.kept + self.rebalanced


@dataclass(frozen=True, slots=True)
class StrategyResult:
    """One strategy over the round: its metrics, its raw score (None: unscored), its answers, and the
    rebalances that were applied (block, positions) in order."""

    name: str
    metrics: StrategyMetrics
    score: float | None
    counts: AnswerCounts
    applied: tuple[tuple[int, tuple[PositionSpec, ...]], ...]

    def to_json(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "strategy": self.name, "score": self.score, **self.metrics.to_json(),
            "answers": {"kept": counts.kept, "rebalanced": counts.rebalanced, "rejected": counts.rejected,
                        "no_answer": counts.no_answer, "refused_at": counts.refused_at,
                        "refusal_reason": counts.refusal_reason, "reasons": dict(counts.reasons)},
            "rebalances": [{"block": block, "positions": [[p.tick_lower, p.tick_upper, str(p.allocation0),
                                                           str(p.allocation1)] for p in positions]}
                           for block, positions in self.applied],
        }  # fmt: skip


def start_pool(history: PoolHistory, from_block: int) -> Pool:
    """The pool's exact state at the end of ``from_block``, replayed from its Initialize event."""
    if history.initialize is None:
        raise BacktestError(f"pool {history.metadata.pool}: no Initialize event, so no exact start state")
    if history.initialize.block_number > from_block:
        raise BacktestError(f"pool {history.metadata.pool} is initialized at block "
                            f"{history.initialize.block_number}, after from-block {from_block}")
    pool = pool_from_start(history.metadata, history.initialize)
    replay(pool, [e for e in history.events if e.block_number <= from_block])
    return pool


def default_inventory(pool: Pool) -> tuple[int, int]:
    """A start inventory sized to the pool: the amounts 1% of its active liquidity holds around the price."""
    if pool.liquidity == 0:
        raise BacktestError("the pool has no active liquidity at from-block; give --amount0/--amount1")
    spacing = pool.tick_spacing
    lower = (pool.tick - DEFAULT_HALF_WIDTH) // spacing * spacing
    upper = lower + 2 * DEFAULT_HALF_WIDTH // spacing * spacing + spacing
    return get_amounts_for_liquidity(pool.sqrt_price_x96, get_sqrt_ratio_at_tick(lower),
                                     get_sqrt_ratio_at_tick(upper), pool.liquidity // DEFAULT_SHARE_OF_LIQUIDITY)


class _EventWindow:
    """The events of ``(from_block, to_block]`` sliced by block without rescanning."""

    def __init__(self, events: Sequence[PoolEvent], from_block: int, to_block: int) -> None:
        self._events = [e for e in events if from_block < e.block_number <= to_block]
        self._blocks = [e.block_number for e in self._events]

    def between(self, after: int, upto: int) -> list[PoolEvent]:
        """Events in blocks ``(after, upto]``."""
        return self._events[bisect.bisect_right(self._blocks, after):bisect.bisect_right(self._blocks, upto)]


def checkpoints(window: BacktestWindow) -> list[int]:
    """The validator's checkpoint blocks: the start, then every ``checkpoint_blocks``, before the end."""
    return list(range(window.from_block, window.to_block, max(1, window.checkpoint_blocks)))


def _request(window: BacktestWindow, state: StrategyState,
             tick_spacing: int) -> tuple[RebalanceQuery, AnswerContext]:
    """The validator's query for this strategy's state, and the context its answer is validated in."""
    from protocol.synapse import RebalanceQuery

    current = tuple(PositionSpec(p.tick_lower, p.tick_upper, p.amount0, p.amount1) for p in state.positions)
    synapse = RebalanceQuery(
        job_id=window.job_id, sn_liquidity_manager_address=window.vault, pair_address=window.pool,
        chain_id=window.chain_id, round_id=f"{window.job_id}:backtest:{window.from_block}",
        round_type="evaluation", block_number=state.block_number, current_price=float(state.sqrt_price_x96),
        current_positions=[p.to_wire() for p in current],
        inventory_remaining=Inventory(amount0=str(state.available0), amount1=str(state.available1)),
        rebalances_so_far=state.rebalances, tick_spacing=tick_spacing,
        sqrt_price_x96=str(state.sqrt_price_x96), tick=state.tick,
    )  # fmt: skip
    synapse.timeout = window.query_timeout_s
    context = AnswerContext(tick_spacing=tick_spacing, inventory0=state.available0, inventory1=state.available1,
                            current_positions=current, max_positions=window.max_positions)
    return synapse, context


class _Round:
    """The strategies' round over one RoundBatch; ``ask`` handles one checkpoint."""

    def __init__(self, batch: RoundBatch, services: Mapping[str, MinerService], window: BacktestWindow,
                 tick_spacing: int) -> None:
        self.batch, self.window, self.tick_spacing = batch, window, tick_spacing
        self.names = list(services)
        self.services = [services[name] for name in self.names]
        self.counts = [AnswerCounts() for _ in self.names]
        self.applied: list[list[tuple[int, tuple[PositionSpec, ...]]]] = [[] for _ in self.names]

    async def ask(self, block: int) -> None:
        for index, service in enumerate(self.services):
            if self.counts[index].refused_at is None:
                await self._ask_one(index, service, block)

    async def _ask_one(self, index: int, service: MinerService, block: int) -> None:
        request, context = _request(self.window, self.batch.state(index), self.tick_spacing)
        synapse = await service.answer(request)
        fields = {k: v for k, v in synapse.model_dump(mode="json").items() if k in RESPONSE_FIELDS}
        decision = validate_answer(fields, context)
        counts = self.counts[index]
        if isinstance(decision, Refuse):
            counts.refused_at, counts.refusal_reason = block, decision.reason
        elif isinstance(decision, Keep):
            counts.kept += 1
        elif isinstance(decision, Rebalance):
            self._rebalance(index, decision, block)
        else:
            self._count_rejection(counts, decision)

    def _rebalance(self, index: int, decision: Rebalance, block: int) -> None:
        wishes = [(p.tick_lower, p.tick_upper, p.allocation0, p.allocation1) for p in decision.positions]
        result = self.batch.apply(index, wishes)
        counts = self.counts[index]
        if result.applied:
            counts.rebalanced += 1
            self.applied[index].append((block, decision.positions))
        else:
            counts.rejected += 1
            counts.reasons[result.reason or "rejected"] = counts.reasons.get(result.reason or "rejected", 0) + 1

    @staticmethod
    def _count_rejection(counts: AnswerCounts, decision: Rejection) -> None:
        if decision.code is ReasonCode.NO_ANSWER:
            counts.no_answer += 1
        else:
            counts.rejected += 1
        counts.reasons[decision.code.value] = counts.reasons.get(decision.code.value, 0) + 1

    def results(self) -> list[StrategyResult]:
        target = target_named(self.window.target)
        return [
            StrategyResult(name, metrics, target(metrics) if counts.valid and counts.refused_at is None else None,
                           counts, tuple(applied))
            for name, metrics, counts, applied in zip(self.names, self.batch.metrics(), self.counts, self.applied,
                                                      strict=True)
        ]


async def run_backtest(history: PoolHistory, services: Mapping[str, MinerService],
                       window: BacktestWindow) -> list[StrategyResult]:
    """Run ``services`` (by strategy name) through one validator-equivalent round (module docstring)."""
    if window.to_block <= window.from_block:
        raise BacktestError(f"to-block {window.to_block} must be after from-block {window.from_block}")
    target_named(window.target)  # an unknown target fails before any replay
    pool = start_pool(history, window.from_block)
    amounts = (window.amount0, window.amount1)
    amount0, amount1 = default_inventory(pool) if None in amounts else (window.amount0 or 0, window.amount1 or 0)
    batch = RoundBatch(pool, [StrategyStart(amount0, amount1)] * len(services), start_block=window.from_block,
                       from_snapshot=False, max_positions=window.max_positions)
    events = _EventWindow(history.events, window.from_block, window.to_block)
    round_ = _Round(batch, services, window, pool.tick_spacing)
    for block in checkpoints(window):
        if block > batch.block_number:
            batch.advance_to(block, events.between(batch.block_number, block))
        await round_.ask(block)
    batch.advance_to(window.to_block, events.between(batch.block_number, window.to_block))
    return round_.results()
