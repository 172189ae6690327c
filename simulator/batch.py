"""The round object the validator drives: every strategy of a round simulated against one replay.

A :class:`RoundBatch` starts from the pool's real state and the vault's real holdings (the same
start for every strategy). ``advance_to(block, events)`` replays the real events up to ``block``
exactly once (``simulator.replay``) and attributes each swap step's LP fee to every strategy's
positions at once (``simulator.attribution``, vectorized over strategies x positions). At a
checkpoint, ``apply(index, positions)`` applies one strategy's decision (``None`` = keep), refusing an
invalid one with a machine-readable reason; ``state(index)`` is what the validator tells that miner;
``metrics()`` the round's numbers per strategy.

Fees: per advance, the float attribution of each position is floored to raw token units (so a
position may be short of at most one wei per token per advance). With ``exact_fees=True`` the exact
per-step reference is used instead (Python ints; for small rounds and differential tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulator.attribution import (
    ExactStep,
    FeeSteps,
    OwnPosition,
    PositionGrid,
    own_liquidity_per_step,
    attribute_steps,
    exact_position_fees,
    swaps_in_range,
)
from simulator.errors import SimulatorError
from simulator.events import PoolEvent
from simulator.metrics import RoundStart, StrategyMetrics, compute_metrics
from simulator.pool import Pool
from simulator.portfolio import (
    DesiredPosition,
    HeldPosition,
    Portfolio,
    Rejected,
    accrue_fees,
    apply_decision,
    burn_amounts,
    holdings,
)
from simulator.replay import StepLog, replay
from simulator.tickmath import get_sqrt_ratio_at_tick

__all__ = [
    "AdvanceReport",
    "ApplyResult",
    "PositionState",
    "PositionWish",
    "RoundBatch",
    "RoundError",
    "StrategyStart",
    "StrategyState",
]

PositionWish = tuple[int, int, int, int]
"""(tick_lower, tick_upper, allocation0, allocation1): ticks, then raw token units."""


class RoundError(SimulatorError):
    """The round was driven wrongly: unknown strategy, blocks going backwards, events out of range."""


@dataclass(frozen=True, slots=True)
class StrategyStart:
    """A strategy's start: idle raw token amounts and positions given as liquidity."""

    amount0: int
    amount1: int
    positions: tuple[HeldPosition, ...] = ()


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """Outcome of a decision: ``applied`` (a keep is applied too, with ``kept``) or refused with a
    machine-readable ``reason`` (a ``RejectReason`` value) and a human ``detail``."""

    applied: bool
    kept: bool = False
    reason: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PositionState:
    """A held position as a miner sees it: raw amounts if burned now, uncollected fees."""

    tick_lower: int
    tick_upper: int
    liquidity: int
    amount0: int
    amount1: int
    fees0: int
    fees1: int


@dataclass(frozen=True, slots=True)
class StrategyState:
    """What the validator sends one miner at a checkpoint (raw token units, Q64.96 price).

    ``idle0/1`` are the tokens outside positions; ``available0/1`` what a rebalance may allocate:
    idle + every position burned at the current price + its fees.
    """

    block_number: int
    sqrt_price_x96: int
    tick: int
    positions: tuple[PositionState, ...]
    idle0: int
    idle1: int
    available0: int
    available1: int
    rebalances: int


@dataclass(frozen=True, slots=True)
class AdvanceReport:
    """What one ``advance_to`` replayed."""

    block_number: int
    swaps: int
    steps: int
    events: int


class RoundBatch:
    """All strategies of one round; see the module docstring for the protocol."""

    def __init__(
        self,
        pool: Pool,
        strategies: Sequence[StrategyStart],
        *,
        start_block: int,
        from_snapshot: bool,
        own_positions: Sequence[OwnPosition] = (),
        max_positions: int = 4,
        exact_fees: bool = False,
    ) -> None:
        """``pool`` is the exact pool state at the end of ``start_block``; the batch owns it and
        moves it forward. ``from_snapshot``: the pool came from a chain snapshot (see ``replay``).
        ``own_positions``: the vault's real positions, whose liquidity the simulation replaces.
        """
        self._pool = pool
        self._block = start_block
        self._from_snapshot = from_snapshot
        self._own = tuple(own_positions)
        self._max_positions = max_positions
        self._exact = exact_fees
        self._portfolios = [Portfolio(s.amount0, s.amount1, s.positions) for s in strategies]
        self._starts = [RoundStart.of(p, pool.sqrt_price_x96) for p in self._portfolios]
        self._in_range = np.zeros(len(self._portfolios), dtype=np.int64)
        self._swaps = 0

    @property
    def block_number(self) -> int:
        """The last block replayed."""
        return self._block

    @property
    def sqrt_price_x96(self) -> int:
        """The pool's current Q64.96 sqrt price."""
        return self._pool.sqrt_price_x96

    @property
    def size(self) -> int:
        """Number of strategies."""
        return len(self._portfolios)

    def portfolio(self, index: int) -> Portfolio:
        """The exact portfolio of one strategy."""
        self._check_index(index)
        return self._portfolios[index]

    def advance_to(self, block: int, events: Sequence[PoolEvent]) -> AdvanceReport:
        """Replay ``events`` (all in blocks ``(block_number, block]``) once; attribute their fees."""
        if block < self._block:
            raise RoundError(f"cannot go back from block {self._block} to {block}")
        outside = [e for e in events if not self._block < e.block_number <= block]
        if outside:
            raise RoundError(
                f"{len(outside)} events outside blocks ({self._block}, {block}], "
                f"first at block {outside[0].block_number}"
            )
        log = replay(self._pool, events, from_snapshot=self._from_snapshot).step_log
        own = own_liquidity_per_step(log, self._own, events)
        self._own = tuple(o.with_liquidity(after) for o, after in zip(self._own, own.final))
        if log.n_swaps:
            self._credit_fees(log, own.per_step)
        self._block = block
        return AdvanceReport(block, log.n_swaps, log.n_steps, len(events))

    def _grid(self) -> PositionGrid:
        slots = max([1] + [len(p.positions) for p in self._portfolios])
        shape = (len(self._portfolios), slots)
        lower = np.zeros(shape, dtype=np.int64)
        upper = np.zeros(shape, dtype=np.int64)
        liquidity = np.zeros(shape, dtype=np.float64)
        for row, portfolio in enumerate(self._portfolios):
            for col, position in enumerate(portfolio.positions):
                lower[row, col] = position.tick_lower
                upper[row, col] = position.tick_upper
                liquidity[row, col] = float(position.liquidity)
        return PositionGrid(lower, upper, liquidity)

    def _credit_fees(self, log: StepLog, own_per_step: list[int]) -> None:
        grid = self._grid()
        self._in_range += swaps_in_range(log.swap_tick, grid)
        self._swaps += log.n_swaps
        if self._exact:
            fees = self._exact_fees(log, own_per_step)
        else:
            fees = self._float_fees(log, own_per_step, grid)
        self._portfolios = [accrue_fees(p, f) for p, f in zip(self._portfolios, fees, strict=True)]

    def _float_fees(
        self, log: StepLog, own_per_step: list[int], grid: PositionGrid
    ) -> list[list[tuple[int, int]]]:
        steps = FeeSteps(
            sqrt_start=log.sqrt_price_start,
            sqrt_end=log.sqrt_price_end,
            zero_for_one=log.zero_for_one,
            liquidity=log.liquidity,
            own_liquidity=np.array([float(x) for x in own_per_step], dtype=np.float64),
            lp_fee=log.lp_fee,
            tick=log.tick_end,
        )
        fees0, fees1 = attribute_steps(steps, grid, self._pool.tick_spacing)
        floor0, floor1 = np.floor(fees0), np.floor(fees1)
        return [
            [(int(floor0[row, col]), int(floor1[row, col])) for col in range(len(p.positions))]
            for row, p in enumerate(self._portfolios)
        ]

    def _exact_fees(self, log: StepLog, own_per_step: list[int]) -> list[list[tuple[int, int]]]:
        steps = [
            ExactStep(
                sqrt_start=log.sqrt_price_start_exact[i],
                sqrt_end=log.sqrt_price_end_exact[i],
                zero_for_one=bool(log.zero_for_one[i]),
                liquidity=log.liquidity_exact[i],
                own_liquidity=own_per_step[i],
                lp_fee=log.lp_fee_exact[i],
                tick=int(log.tick_end[i]),
            )
            for i in range(log.n_steps)
        ]
        return [
            [
                exact_position_fees(
                    steps,
                    (q.tick_lower, q.tick_upper),
                    (get_sqrt_ratio_at_tick(q.tick_lower), get_sqrt_ratio_at_tick(q.tick_upper)),
                    q.liquidity,
                )
                for q in p.positions
            ]
            for p in self._portfolios
        ]

    def apply(self, index: int, positions: Sequence[PositionWish] | None) -> ApplyResult:
        """One strategy's decision at the current price: ``None`` keeps, a list rebalances."""
        self._check_index(index)
        desired = None if positions is None else [DesiredPosition(*wish) for wish in positions]
        result = apply_decision(
            self._portfolios[index],
            desired,
            self._pool.sqrt_price_x96,
            tick_spacing=self._pool.tick_spacing,
            max_positions=self._max_positions,
        )
        if isinstance(result, Rejected):
            return ApplyResult(applied=False, reason=result.reason.value, detail=result.detail)
        self._portfolios[index] = result
        return ApplyResult(applied=True, kept=positions is None)

    def state(self, index: int) -> StrategyState:
        """What the validator sends strategy ``index`` now."""
        self._check_index(index)
        portfolio = self._portfolios[index]
        price = self._pool.sqrt_price_x96
        positions = tuple(
            PositionState(p.tick_lower, p.tick_upper, p.liquidity, *burn_amounts(p, price), p.fees0, p.fees1)
            for p in portfolio.positions
        )
        available0, available1 = holdings(portfolio, price)
        return StrategyState(
            block_number=self._block,
            sqrt_price_x96=price,
            tick=self._pool.tick,
            positions=positions,
            idle0=portfolio.idle0,
            idle1=portfolio.idle1,
            available0=available0,
            available1=available1,
            rebalances=portfolio.rebalances,
        )

    def metrics(self) -> list[StrategyMetrics]:
        """Every strategy's metrics at the current price, in strategy order."""
        price = self._pool.sqrt_price_x96
        return [
            compute_metrics(start, p, price, swaps_in_range=int(hits), swaps_total=self._swaps)
            for start, p, hits in zip(self._starts, self._portfolios, self._in_range, strict=True)
        ]

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._portfolios):
            raise RoundError(f"no strategy {index} (round has {len(self._portfolios)})")
