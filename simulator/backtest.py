"""Backtest: strategies with fixed decision schedules, run through one exact replay of real events.

The strategies file (JSON, read by ``backtest_cli``) is either a list of strategies or an object
``{"strategies": [...], "own_positions": [...]}``. A strategy is::

    {"id": "wide", "inventory": {"amount0": "1000000000", "amount1": "500000000000000000"},
     "schedule": [{"block": 12375800, "positions": [
         {"tick_lower": 194400, "tick_upper": 195600, "allocation0": "500000000",
          "allocation1": "250000000000000000"}]}]}

Amounts are raw token units (decimal strings or integers); ``positions: null`` keeps, ``[]`` pulls
everything out. A decision at block ``b`` is applied after every event of blocks ``<= b``.
``own_positions`` (``{"owner", "tick_lower", "tick_upper"}``) are the vault's real positions: their
liquidity in the events counts as ``L_own`` (DESIGN section 4). This module parses the already
loaded JSON and runs the round; it does no I/O.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.attribution import OwnPosition
from simulator.batch import ApplyResult, PositionWish, RoundBatch, StrategyStart
from simulator.csv_events import PoolHistory, PoolMetadata
from simulator.errors import EventSourceError, SimulatorError
from simulator.events import PoolEvent, PoolInitialize, event_order
from simulator.metrics import StrategyMetrics
from simulator.pool import PoolSnapshot
from simulator.replay import pool_from_start, replay

__all__ = [
    "BacktestSpec",
    "Decision",
    "DecisionOutcome",
    "PoolSource",
    "StrategyFileError",
    "StrategyReport",
    "StrategySpec",
    "parse_strategies",
    "run_backtest",
]


class StrategyFileError(SimulatorError):
    """The strategies file does not have the documented shape; the message says where."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A scheduled decision: at ``block``, ``positions`` (``None`` = keep)."""

    block: int
    positions: tuple[PositionWish, ...] | None


@dataclass(frozen=True, slots=True)
class StrategySpec:
    """One strategy of a backtest: starting idle raw amounts and its decisions in block order."""

    id: str
    amount0: int
    amount1: int
    schedule: tuple[Decision, ...]


@dataclass(frozen=True, slots=True)
class BacktestSpec:
    """Everything the strategies file says."""

    strategies: tuple[StrategySpec, ...]
    own_positions: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """What became of one scheduled decision."""

    block: int
    result: ApplyResult


@dataclass(frozen=True, slots=True)
class StrategyReport:
    """One strategy's metrics and the outcome of each of its decisions."""

    id: str
    metrics: StrategyMetrics
    decisions: tuple[DecisionOutcome, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (amounts as decimal strings)."""
        return {
            "id": self.id,
            **self.metrics.to_json(),
            "decisions": [
                {"block": d.block, "applied": d.result.applied, "kept": d.result.kept,
                 "reason": d.result.reason, "detail": d.result.detail}
                for d in self.decisions
            ],
        }  # fmt: skip


def _amount(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise StrategyFileError(f"{where}: expected an integer or a decimal string, got {value!r}")
    try:
        return int(value)
    except ValueError as error:
        raise StrategyFileError(f"{where}: not an integer: {value!r}") from error


def _field(item: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(item, Mapping) or key not in item:
        raise StrategyFileError(f"{where}: missing {key!r}")
    return item[key]


def _wish(item: Mapping[str, Any], where: str) -> PositionWish:
    return (
        _amount(_field(item, "tick_lower", where), f"{where}.tick_lower"),
        _amount(_field(item, "tick_upper", where), f"{where}.tick_upper"),
        _amount(_field(item, "allocation0", where), f"{where}.allocation0"),
        _amount(_field(item, "allocation1", where), f"{where}.allocation1"),
    )


def _decision(item: Mapping[str, Any], where: str) -> Decision:
    block = _amount(_field(item, "block", where), f"{where}.block")
    positions = _field(item, "positions", where)
    if positions is None:
        return Decision(block, None)
    if not isinstance(positions, list):
        raise StrategyFileError(f"{where}.positions: expected a list or null")
    return Decision(block, tuple(_wish(p, f"{where}.positions[{i}]") for i, p in enumerate(positions)))


def _strategy(item: Mapping[str, Any], where: str) -> StrategySpec:
    inventory = _field(item, "inventory", where)
    schedule = item.get("schedule", [])
    if not isinstance(schedule, list):
        raise StrategyFileError(f"{where}.schedule: expected a list")
    decisions = [_decision(d, f"{where}.schedule[{i}]") for i, d in enumerate(schedule)]
    return StrategySpec(
        id=str(_field(item, "id", where)),
        amount0=_amount(_field(inventory, "amount0", f"{where}.inventory"), f"{where}.inventory.amount0"),
        amount1=_amount(_field(inventory, "amount1", f"{where}.inventory"), f"{where}.inventory.amount1"),
        schedule=tuple(sorted(decisions, key=lambda d: d.block)),
    )


def parse_strategies(document: object) -> BacktestSpec:
    """The strategies file's JSON (already loaded) as a :class:`BacktestSpec`."""
    own: list[Any] = []
    items = document
    if isinstance(document, Mapping):
        items = _field(document, "strategies", "file")
        own = document.get("own_positions") or []
    if not isinstance(items, list) or not isinstance(own, list):
        raise StrategyFileError("file: expected a list of strategies or {'strategies': [...]}")
    owned = tuple(
        (
            str(_field(o, "owner", f"own_positions[{i}]")).lower(),
            _amount(_field(o, "tick_lower", f"own_positions[{i}]"), f"own_positions[{i}].tick_lower"),
            _amount(_field(o, "tick_upper", f"own_positions[{i}]"), f"own_positions[{i}].tick_upper"),
        )
        for i, o in enumerate(own)
    )
    strategies = tuple(_strategy(s, f"strategies[{i}]") for i, s in enumerate(items))
    if len({s.id for s in strategies}) != len(strategies):
        raise StrategyFileError("strategies: ids must be unique")
    return BacktestSpec(strategies, owned)


def _checkpoints(spec: BacktestSpec, from_block: int, to_block: int) -> list[int]:
    blocks = sorted({d.block for s in spec.strategies for d in s.schedule})
    outside = [b for b in blocks if not from_block <= b <= to_block]
    if outside:
        raise StrategyFileError(f"decision at block {outside[0]} outside [{from_block}, {to_block}]")
    return blocks


@dataclass(frozen=True, slots=True)
class PoolSource:
    """A pool's history as a backtest needs it: metadata, where the replay starts (its Initialize
    event, or a snapshot of its state), and its events in (block, log_index) order."""

    metadata: PoolMetadata
    start: PoolInitialize | PoolSnapshot
    events: Sequence[PoolEvent]

    @classmethod
    def of(cls, history: PoolHistory) -> PoolSource:
        """The source of a CSV folder's pool history; it must hold the pool's Initialize event."""
        if history.initialize is None:
            raise EventSourceError(
                f"pool {history.metadata.pool}: no Initialize event; an exact replay needs the pool's whole "
                "history or a snapshot of its state"
            )
        return cls(history.metadata, history.initialize, history.events)


def run_backtest(
    source: PoolSource, spec: BacktestSpec, *, from_block: int, to_block: int, max_positions: int = 4
) -> list[StrategyReport]:
    """Replay ``source`` from its start to ``from_block``, then run every strategy of ``spec`` over
    blocks ``(from_block, to_block]`` with one replay; metrics per strategy."""
    if to_block < from_block:
        raise StrategyFileError(f"to-block {to_block} is before from-block {from_block}")
    from_snapshot = isinstance(source.start, PoolSnapshot)
    pool = pool_from_start(source.metadata, source.start)
    replay(pool, [e for e in source.events if e.block_number <= from_block], from_snapshot=from_snapshot)
    own = [
        OwnPosition(owner, lower, upper, getattr(pool.positions.get((owner, lower, upper)), "liquidity", 0))
        for owner, lower, upper in spec.own_positions
    ]
    starts = [StrategyStart(s.amount0, s.amount1) for s in spec.strategies]
    batch = RoundBatch(
        pool, starts, start_block=from_block, from_snapshot=from_snapshot, own_positions=own,
        max_positions=max_positions,
    )  # fmt: skip
    window = sorted((e for e in source.events if from_block < e.block_number <= to_block), key=event_order)
    window_blocks = [e.block_number for e in window]
    outcomes: list[list[DecisionOutcome]] = [[] for _ in spec.strategies]
    done = 0
    for block in sorted({*_checkpoints(spec, from_block, to_block), to_block}):
        end = bisect_right(window_blocks, block)
        batch.advance_to(block, window[done:end])
        done = end
        for index, strategy in enumerate(spec.strategies):
            for decision in (d for d in strategy.schedule if d.block == block):
                outcomes[index].append(DecisionOutcome(block, batch.apply(index, decision.positions)))
    return [
        StrategyReport(s.id, m, tuple(o))
        for s, m, o in zip(spec.strategies, batch.metrics(), outcomes, strict=True)
    ]
