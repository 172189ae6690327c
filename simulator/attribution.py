"""Fee attribution: each swap step's LP fee shared between simulated positions and the pool's others.

DESIGN section 4: a simulated position of liquidity ``L`` gets, of one swap step's LP fee,

    fee_step * frac * L / (L_step - L_own + L)

``frac`` is the part of the step's interval inside the position's range, measured in sqrt price when
token1 is paid in (price up) and in 1/sqrt price when token0 is paid in (price down): the amounts a
constant-liquidity step moves are linear in those measures. ``L_step`` is the pool's active liquidity
in the step and ``L_own`` the vault's own real liquidity there, which the simulation replaces. A step
that does not move the price (a fee taken from dust) belongs to the pool tick during it, by the tick
rule ``tick_lower <= tick < tick_upper``.

Two implementations:

- :func:`exact_position_fees` per position per step in Python ints, flooring like the contract (a
  Q128 fee growth per unit of liquidity, floored per step, times ``L`` floored). For a real position
  declared as ``L_own`` it gives what the pool's ``tokensOwed`` gives.
- :func:`aggregate_buckets` + :func:`attribute` in numpy float64, vectorized over strategies x
  positions. The steps' fees are first summed per (tick-spacing bucket, other liquidity) group:
  within a bucket the pool's liquidity is constant and positions cover whole buckets, so a
  position's fee is a sum over the groups of its range, one contiguous slice of the bucket-sorted
  groups. Cost ``O(steps x buckets crossed + unique positions x groups in range)``; memory
  ``O(steps x buckets crossed)``. Tests hold it against the exact one.

:func:`own_liquidity_per_step` derives ``L_own`` from the vault's real positions and the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

import numpy as np
from numpy.typing import NDArray

from simulator.errors import SimulatorError
from simulator.events import BurnEvent, MintEvent, PoolEvent, SwapEvent, event_order
from simulator.fullmath import Q96, Q128
from simulator.tickmath import LOG_SQRT_10001, MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick

if TYPE_CHECKING:
    from simulator.replay import StepLog

__all__ = [
    "BucketFees",
    "ExactStep",
    "FeeSteps",
    "NegativeOtherLiquidityError",
    "OwnLiquidity",
    "OwnPosition",
    "PositionGrid",
    "aggregate_buckets",
    "attribute",
    "attribute_steps",
    "exact_position_fees",
    "own_liquidity_per_step",
    "swaps_in_range",
]

_MAX_PIECES: Final = 1 << 20  # step pieces cut at once: ~10 arrays of 8 MiB
_CHUNK_ELEMENTS: Final = 1 << 22  # strategies x slots x swaps per time-in-range chunk (4 MiB of bools)

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B8 = NDArray[np.bool_]


class NegativeOtherLiquidityError(SimulatorError, ValueError):
    """``L_own`` exceeds the pool's active liquidity in a step: the vault's liquidity is misdeclared."""


@dataclass(frozen=True, slots=True)
class ExactStep:
    """One swap step in exact integers (Q64.96 sqrt prices, liquidity units, raw token units).

    ``lp_fee`` is in the token paid in (token0 when ``zero_for_one``); ``tick`` is the pool's tick
    after the step, which for a step that does not move the price is the tick during it.
    """

    sqrt_start: int
    sqrt_end: int
    zero_for_one: bool
    liquidity: int
    own_liquidity: int
    lp_fee: int
    tick: int


@dataclass(frozen=True, slots=True)
class FeeSteps:
    """Swap steps of one stretch of the price path as float64 arrays of equal length.

    ``sqrt_start``/``sqrt_end`` are Q64.96 sqrt prices as floats, ``liquidity`` the pool's active
    liquidity, ``own_liquidity`` the vault's real liquidity active in the step (``L_own``),
    ``lp_fee`` the LP fee in raw units of the token paid in, ``tick`` the pool tick after the step.
    """

    sqrt_start: F64
    sqrt_end: F64
    zero_for_one: B8
    liquidity: F64
    own_liquidity: F64
    lp_fee: F64
    tick: I64

    @classmethod
    def from_exact(cls, steps: Sequence[ExactStep]) -> FeeSteps:
        """Float view of exact steps (tests hold the float path against the exact one with it)."""

        def floats(name: str) -> F64:
            return np.array([float(getattr(s, name)) for s in steps], dtype=np.float64)

        return cls(
            floats("sqrt_start"), floats("sqrt_end"), np.array([s.zero_for_one for s in steps], dtype=np.bool_),
            floats("liquidity"), floats("own_liquidity"), floats("lp_fee"),
            np.array([s.tick for s in steps], dtype=np.int64),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class BucketFees:
    """Fees of a stretch of steps grouped by (tick-spacing bucket, other liquidity).

    Bucket ``b`` is the tick interval ``[b * tick_spacing, (b + 1) * tick_spacing)``;
    ``other_liquidity`` is ``L_step - L_own`` of the steps in the group; ``fee0``/``fee1`` the LP
    fees (raw token units, float) the group's steps paid inside the bucket.
    """

    tick_spacing: int
    bucket: I64
    other_liquidity: F64
    fee0: F64
    fee1: F64


@dataclass(frozen=True, slots=True)
class PositionGrid:
    """Simulated positions of all strategies, shape ``(strategies, slots)``.

    Ticks are multiples of the pool's tick spacing; an empty slot has ``liquidity`` 0.
    """

    tick_lower: I64
    tick_upper: I64
    liquidity: F64


@dataclass(frozen=True, slots=True)
class _EdgeTable:
    """Q64.96 sqrt price at the lower edge of buckets ``first, first + 1, ...``, as the float of
    TickMath's exact value.

    Taking the same float a step's exact endpoint converts to means a step ending on an initialized
    tick leaks nothing into the neighbouring bucket (a float power would be a few ulps off, and over
    a short step a few ulps are a large share). A price path is continuous, so the buckets it
    touches are one range, no longer than the pieces it is cut into: one TickMath call each.
    """

    first: int
    values: F64

    @classmethod
    def spanning(cls, low: int, high: int, tick_spacing: int) -> _EdgeTable:
        ticks = (min(max(b * tick_spacing, MIN_TICK), MAX_TICK) for b in range(low, high + 1))
        return cls(low, np.array([float(get_sqrt_ratio_at_tick(t)) for t in ticks], dtype=np.float64))

    def at(self, bucket: I64) -> F64:
        return self.values[bucket - self.first]


def _buckets_of_interval(lo: F64, hi: F64, tick_spacing: int) -> tuple[I64, I64, _EdgeTable]:
    """First and last bucket each interval ``(lo, hi]`` with ``lo < hi`` overlaps, exactly against
    the float edges (a float logarithm first, then a one-bucket correction), and the edge table."""
    if lo.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, _EdgeTable(0, np.zeros(0, dtype=np.float64))
    scale = 1.0 / (LOG_SQRT_10001 * tick_spacing)
    first = np.floor(np.log(lo / float(Q96)) * scale).astype(np.int64)
    last = np.ceil(np.log(hi / float(Q96)) * scale).astype(np.int64) - 1
    table = _EdgeTable.spanning(int(first.min()) - 2, int(last.max()) + 3, tick_spacing)
    first -= lo < table.at(first)
    first += lo >= table.at(first + 1)
    last += hi > table.at(last + 1)
    last -= hi <= table.at(last)
    return first, np.maximum(last, first), table


def _moving_pieces(
    steps: FeeSteps, moving: I64, first: I64, last: I64, table: _EdgeTable
) -> tuple[I64, I64, F64]:
    """Pieces (step index, bucket, fee inside the bucket) of moving steps ``moving``, which
    overlap buckets ``first..last`` each."""
    counts = last - first + 1
    owner = np.repeat(moving, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    bucket = np.repeat(first, counts) + (np.arange(owner.shape[0], dtype=np.int64) - starts)
    lo = np.minimum(steps.sqrt_start[owner], steps.sqrt_end[owner])
    hi = np.maximum(steps.sqrt_start[owner], steps.sqrt_end[owner])
    a = np.maximum(lo, table.at(bucket))
    b = np.minimum(hi, table.at(bucket + 1))
    down = steps.zero_for_one[owner]
    inside = np.where(down, 1.0 / a - 1.0 / b, b - a)
    total = np.where(down, 1.0 / lo - 1.0 / hi, hi - lo)
    fee = steps.lp_fee[owner] * np.clip(inside / total, 0.0, 1.0)
    keep = fee > 0.0
    return owner[keep], bucket[keep], fee[keep]


def _chunks(counts: I64, most: int) -> list[slice]:
    """Consecutive slices of ``counts`` summing to about ``most`` each (at least one item)."""
    total = np.cumsum(counts)
    slices, start = [], 0
    while start < counts.shape[0]:
        done = int(total[start - 1]) if start else 0
        end = max(start + 1, int(np.searchsorted(total, done + most, side="right")))
        slices.append(slice(start, end))
        start = end
    return slices


@dataclass(frozen=True, slots=True)
class _Keyed:
    """Fees summed per integer key ``(bucket - base) * levels + level``, keys ascending."""

    keys: I64
    fee0: F64
    fee1: F64

    @classmethod
    def summed(cls, key: I64, fee0: F64, fee1: F64) -> _Keyed:
        keys, group = np.unique(key, return_inverse=True)
        index, count = group.ravel(), keys.shape[0]
        return cls(
            keys,
            np.bincount(index, weights=fee0, minlength=count).astype(np.float64, copy=False),
            np.bincount(index, weights=fee1, minlength=count).astype(np.float64, copy=False),
        )


def aggregate_buckets(steps: FeeSteps, tick_spacing: int, *, max_pieces: int = _MAX_PIECES) -> BucketFees:
    """Group the steps' LP fees by (bucket, other liquidity).

    Moving steps are cut into per-bucket pieces ``max_pieces`` at a time (memory stays bounded
    whatever the path), each chunk summed per group; steps that do not move go to their tick's
    bucket whole.
    """
    other = steps.liquidity - steps.own_liquidity
    if np.any(other < 0.0):
        raise NegativeOtherLiquidityError("L_own above the pool's active liquidity in a step")
    levels, level_of_step = np.unique(other, return_inverse=True)
    level_of_step = level_of_step.ravel()
    lo, hi = np.minimum(steps.sqrt_start, steps.sqrt_end), np.maximum(steps.sqrt_start, steps.sqrt_end)
    moving = np.flatnonzero(hi > lo)
    still = np.flatnonzero((hi == lo) & (steps.lp_fee > 0.0))
    still_bucket = np.floor_divide(steps.tick[still], tick_spacing)
    first, last, table = _buckets_of_interval(lo[moving], hi[moving], tick_spacing)
    base = int(min(first.min(initial=0), still_bucket.min(initial=0)))

    def keyed(owner: I64, bucket: I64, fee: F64) -> _Keyed:
        key = (bucket - base) * levels.shape[0] + level_of_step[owner]
        is_zero = steps.zero_for_one[owner]
        return _Keyed.summed(key, np.where(is_zero, fee, 0.0), np.where(is_zero, 0.0, fee))

    parts = [keyed(still, still_bucket, steps.lp_fee[still])]
    for part in _chunks(last - first + 1, max_pieces):
        parts.append(keyed(*_moving_pieces(steps, moving[part], first[part], last[part], table)))
    merged = _Keyed.summed(
        np.concatenate([p.keys for p in parts]),
        np.concatenate([p.fee0 for p in parts]),
        np.concatenate([p.fee1 for p in parts]),
    )
    return BucketFees(
        tick_spacing=tick_spacing,
        bucket=merged.keys // levels.shape[0] + base,
        other_liquidity=levels[merged.keys % levels.shape[0]],
        fee0=merged.fee0,
        fee1=merged.fee1,
    )


def _attribute_rows(
    groups: BucketFees, lower_b: I64, upper_b: I64, liquidity: F64
) -> tuple[F64, F64]:
    """Fees of unique position rows (bucket ranges ``[lower_b, upper_b)``).

    Groups are sorted by bucket, so a row's groups are one contiguous slice: the work is the sum of
    the rows' slice lengths, with no mask and no temporary larger than one slice.
    """
    fees0 = np.zeros(liquidity.shape[0], dtype=np.float64)
    fees1 = np.zeros(liquidity.shape[0], dtype=np.float64)
    begin = np.searchsorted(groups.bucket, lower_b, side="left")
    end = np.searchsorted(groups.bucket, upper_b, side="left")
    for row in np.flatnonzero((liquidity > 0) & (end > begin)):
        part = slice(int(begin[row]), int(end[row]))
        liq = float(liquidity[row])
        share = liq / (groups.other_liquidity[part] + liq)
        # einsum, not BLAS: OpenBLAS threads busy-wait and, on a loaded host, stall for seconds.
        fees0[row] = np.einsum("i,i->", share, groups.fee0[part])
        fees1[row] = np.einsum("i,i->", share, groups.fee1[part])
    return fees0, fees1


def attribute(groups: BucketFees, grid: PositionGrid) -> tuple[F64, F64]:
    """Float fees (raw token units) of every grid slot, shape ``(strategies, slots)`` each.

    Identical positions (same range and liquidity, e.g. the vault's starting positions held by
    every strategy) are computed once.
    """
    spacing = groups.tick_spacing
    rows = np.stack(
        [
            np.floor_divide(grid.tick_lower.ravel(), spacing).astype(np.float64),
            np.floor_divide(grid.tick_upper.ravel(), spacing).astype(np.float64),
            grid.liquidity.ravel(),
        ],
        axis=1,
    )
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    fees0, fees1 = _attribute_rows(
        groups, unique[:, 0].astype(np.int64), unique[:, 1].astype(np.int64), unique[:, 2]
    )
    shape = grid.liquidity.shape
    return fees0[inverse.ravel()].reshape(shape), fees1[inverse.ravel()].reshape(shape)


def attribute_steps(steps: FeeSteps, grid: PositionGrid, tick_spacing: int) -> tuple[F64, F64]:
    """:func:`aggregate_buckets` then :func:`attribute`."""
    return attribute(aggregate_buckets(steps, tick_spacing), grid)


def _frac_inside(step: ExactStep, sqrt_lower: int, sqrt_upper: int) -> tuple[int, int]:
    """Exact fraction (numerator, denominator) of a moving step's interval inside the range."""
    lo, hi = sorted((step.sqrt_start, step.sqrt_end))
    a, b = max(lo, sqrt_lower), min(hi, sqrt_upper)
    if b <= a:
        return 0, 1
    if not step.zero_for_one:
        return b - a, hi - lo
    # In 1/sqrt price: (1/a - 1/b) / (1/lo - 1/hi).
    return (b - a) * lo * hi, a * b * (hi - lo)


def exact_position_fees(
    steps: Sequence[ExactStep],
    ticks: tuple[int, int],
    sqrt_bounds: tuple[int, int],
    liquidity: int,
) -> tuple[int, int]:
    """Exact fees (raw token units) of one position of ``liquidity`` over ``steps``.

    ``ticks`` = (tick_lower, tick_upper); ``sqrt_bounds`` their Q64.96 sqrt prices (TickMath).
    Per step the fee growth per unit liquidity ``floor(fee * frac * 2**128 / (L_step - L_own + L))``
    accumulates; the position gets ``floor(growth * L / 2**128)`` per token, as the pool credits it.
    """
    growth = [0, 0]
    for step in steps:
        if step.sqrt_start == step.sqrt_end:
            num, den = (1, 1) if ticks[0] <= step.tick < ticks[1] else (0, 1)
        else:
            num, den = _frac_inside(step, sqrt_bounds[0], sqrt_bounds[1])
        if num == 0 or step.lp_fee == 0:
            continue
        other = step.liquidity - step.own_liquidity
        if other < 0:
            raise NegativeOtherLiquidityError("L_own above the pool's active liquidity in a step")
        growth[0 if step.zero_for_one else 1] += (step.lp_fee * num * Q128) // (
            den * (other + liquidity)
        )
    return growth[0] * liquidity // Q128, growth[1] * liquidity // Q128


def swaps_in_range(swap_ticks: I64, grid: PositionGrid) -> I64:
    """Per strategy, how many swaps ended with the pool tick inside one of its positions.

    Tick rule ``tick_lower <= tick < tick_upper``; empty slots (liquidity 0) never count. Chunked
    over strategies so the (strategies x slots x swaps) mask stays small.
    """
    strategies, slots = grid.liquidity.shape
    counts = np.zeros(strategies, dtype=np.int64)
    per_chunk = max(1, _CHUNK_ELEMENTS // max(1, slots * swap_ticks.shape[0]))
    ticks = swap_ticks[None, None, :]
    for start in range(0, strategies, per_chunk):
        part = slice(start, start + per_chunk)
        lower = grid.tick_lower[part, :, None]
        inside = (lower <= ticks) & (ticks < grid.tick_upper[part, :, None])
        inside &= (grid.liquidity[part] > 0)[:, :, None]
        counts[part] = inside.any(axis=1).sum(axis=1)
    return counts


@dataclass(frozen=True, slots=True)
class OwnPosition:
    """A real position of the vault (``owner`` as in Mint/Burn events): its liquidity is ``L_own``.

    ``liquidity`` is its liquidity before the events at hand; the events' mints and burns of the
    same (owner, tick_lower, tick_upper) change it.
    """

    owner: str
    tick_lower: int
    tick_upper: int
    liquidity: int = 0

    def with_liquidity(self, liquidity: int) -> OwnPosition:
        """The same position holding ``liquidity``."""
        return replace(self, liquidity=liquidity)


@dataclass(frozen=True, slots=True)
class OwnLiquidity:
    """``L_own`` of every step (exact liquidity units) and each own position's liquidity after."""

    per_step: list[int]
    final: tuple[int, ...]


def _own_per_swap(
    own: Sequence[OwnPosition], events: Iterable[PoolEvent]
) -> tuple[list[tuple[int, ...]], tuple[int, ...]]:
    """Each own position's liquidity at every swap (in event order), and after the last event."""
    index = {(o.owner.lower(), o.tick_lower, o.tick_upper): i for i, o in enumerate(own)}
    current = [o.liquidity for o in own]
    per_swap: list[tuple[int, ...]] = []
    for event in sorted(events, key=event_order):
        if isinstance(event, SwapEvent):
            per_swap.append(tuple(current))
        elif isinstance(event, (MintEvent, BurnEvent)):
            slot = index.get((event.owner.lower(), event.tick_lower, event.tick_upper))
            if slot is not None:
                sign = 1 if isinstance(event, MintEvent) else -1
                current[slot] += sign * event.liquidity
    return per_swap, tuple(current)


def own_liquidity_per_step(
    log: StepLog, own: Sequence[OwnPosition], events: Iterable[PoolEvent]
) -> OwnLiquidity:
    """``L_own`` per step of ``log`` (the replay of exactly ``events``): the liquidity of the own
    positions active in the step. A moving step never straddles an own position's bound (its ticks
    are initialized, so steps stop there); a step that does not move uses the tick rule."""
    per_swap, final = _own_per_swap(own, events)
    if len(per_swap) != log.n_swaps:
        raise ValueError(f"{len(per_swap)} swaps in the events, {log.n_swaps} in the step log")
    if not own:
        return OwnLiquidity([0] * log.n_steps, final)
    bounds = [
        (o.tick_lower, o.tick_upper, get_sqrt_ratio_at_tick(o.tick_lower), get_sqrt_ratio_at_tick(o.tick_upper))
        for o in own
    ]
    per_step: list[int] = []
    for i in range(log.n_steps):
        start, end = log.sqrt_price_start_exact[i], log.sqrt_price_end_exact[i]
        lo, hi = min(start, end), max(start, end)
        tick = int(log.tick_end[i])
        liquidity = per_swap[int(log.swap_index[i])]
        per_step.append(
            sum(
                held
                for held, (lower, upper, sqrt_a, sqrt_b) in zip(liquidity, bounds, strict=True)
                if (lower <= tick < upper if lo == hi else sqrt_a <= lo and hi <= sqrt_b)
            )
        )
    return OwnLiquidity(per_step, final)
