"""The step log of a replay: every swap step as parallel numpy arrays (exact ints alongside).

Built once per replay by ``StepLogBuilder`` from the swaps' flat ``SwapResult.step_data`` (no
per-step objects), and consumed by the fee attribution. Public as ``simulator.replay.StepLog``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from simulator.events import SwapEvent
    from simulator.pool import SwapResult

from simulator._pool_types import STEP_FIELDS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class StepLog:
    """All steps of all logged swaps, in replay order.

    Per step (arrays of length ``n_steps``):

    - ``swap_index`` int64: index of the step's swap in the per-swap arrays below (0-based, in order).
    - ``block_number`` int64: block of the step's swap.
    - ``zero_for_one`` bool: True when token0 is paid in (price falls), False when token1 is paid in.
    - ``sqrt_price_start`` / ``sqrt_price_end`` float64: the step's sqrt price interval as the raw
      Q64.96 value (``sqrtPriceX96``, not divided by 2**96); exact ints in ``sqrt_price_start_exact``
      / ``sqrt_price_end_exact``.
    - ``liquidity`` float64 (exact: ``liquidity_exact``): the liquidity that shares the step's LP fee,
      in the pool's liquidity units: the active in-range liquidity (on Slipstream, minus the staked).
    - ``lp_fee`` float64 (exact: ``lp_fee_exact``): the step's fee that went to that liquidity, in raw
      units of the token paid in (token0 if ``zero_for_one`` else token1), after the protocol fee, or on
      Slipstream after the gauge's share and the unstaked fee.
    - ``fee_exact``: the step's whole fee (raw units of the token paid in, before any split).
    - ``amount_in_exact`` / ``amount_out_exact``: the step's input (without fee) and output amounts.
    - ``tick_end`` int64: the pool's tick after the step.

    Per swap (arrays of length ``n_swaps``): ``swap_block_number``, ``swap_log_index`` and
    ``swap_timestamp`` (int64, unix seconds), ``swap_zero_for_one`` (bool), ``swap_tick`` (int64, tick
    after the swap), ``swap_sqrt_price`` (float64 Q64.96 after the swap; exact in
    ``swap_sqrt_price_exact``), ``swap_liquidity_exact`` (active liquidity after the swap),
    ``swap_amount0_exact`` / ``swap_amount1_exact`` (signed raw units, positive = paid into the pool).
    """

    swap_index: I64
    block_number: I64
    zero_for_one: BOOL
    sqrt_price_start: F64
    sqrt_price_end: F64
    liquidity: F64
    lp_fee: F64
    tick_end: I64
    sqrt_price_start_exact: tuple[int, ...]
    sqrt_price_end_exact: tuple[int, ...]
    liquidity_exact: tuple[int, ...]
    lp_fee_exact: tuple[int, ...]
    fee_exact: tuple[int, ...]
    amount_in_exact: tuple[int, ...]
    amount_out_exact: tuple[int, ...]
    swap_block_number: I64
    swap_log_index: I64
    swap_timestamp: I64
    swap_zero_for_one: BOOL
    swap_tick: I64
    swap_sqrt_price: F64
    swap_sqrt_price_exact: tuple[int, ...]
    swap_liquidity_exact: tuple[int, ...]
    swap_amount0_exact: tuple[int, ...]
    swap_amount1_exact: tuple[int, ...]

    @property
    def n_steps(self) -> int:
        """Number of steps in the log."""
        return int(self.swap_index.shape[0])

    @property
    def n_swaps(self) -> int:
        """Number of swaps in the log."""
        return int(self.swap_block_number.shape[0])


def _floats(values: list[int]) -> F64:
    return np.fromiter(map(float, values), dtype=np.float64, count=len(values))


def _ints(values: list[int]) -> I64:
    return np.asarray(values, dtype=np.int64).reshape(len(values))


# per swap: block, log index, timestamp, then SwapResult[:6] (zero_for_one, amount0, amount1, price, tick, liquidity)
_SWAP_FIELDS = 9


class StepLogBuilder:
    """Accumulates swaps into flat int lists (no per-swap objects kept alive, so the garbage
    collector has nothing to walk); ``build`` turns them into a ``StepLog`` once."""

    def __init__(self) -> None:
        self._step_data: list[int] = []
        self._step_lengths: list[int] = []
        self._swap_data: list[int] = []

    def add(self, result: SwapResult, event: SwapEvent) -> None:
        """Append one replayed swap (``event`` gives block, log index and time)."""
        step_data = result.step_data
        self._step_data += step_data
        self._step_lengths.append(len(step_data))
        swap_data = self._swap_data
        swap_data += (event.block_number, event.log_index, event.timestamp)
        swap_data += result[:6]

    def build(self) -> StepLog:
        """The accumulated log as arrays."""
        data, swaps = self._step_data, self._swap_data
        start, end, liq, amount_in, amount_out, fee, lp_fee, tick = (data[k::STEP_FIELDS] for k in range(STEP_FIELDS))
        block, log, time, zfo, amount0, amount1, price, swap_tick, swap_liq = (
            swaps[k::_SWAP_FIELDS] for k in range(_SWAP_FIELDS)
        )
        counts = np.asarray(self._step_lengths, dtype=np.int64).reshape(len(self._step_lengths)) // STEP_FIELDS
        swap_zfo = np.asarray(zfo, dtype=np.bool_).reshape(len(zfo))
        swap_block = _ints(block)
        return StepLog(
            swap_index=np.repeat(np.arange(len(counts), dtype=np.int64), counts),
            block_number=np.repeat(swap_block, counts),
            zero_for_one=np.repeat(swap_zfo, counts),
            sqrt_price_start=_floats(start),
            sqrt_price_end=_floats(end),
            liquidity=_floats(liq),
            lp_fee=_floats(lp_fee),
            tick_end=_ints(tick),
            sqrt_price_start_exact=tuple(start),
            sqrt_price_end_exact=tuple(end),
            liquidity_exact=tuple(liq),
            lp_fee_exact=tuple(lp_fee),
            fee_exact=tuple(fee),
            amount_in_exact=tuple(amount_in),
            amount_out_exact=tuple(amount_out),
            swap_block_number=swap_block,
            swap_log_index=_ints(log),
            swap_timestamp=_ints(time),
            swap_zero_for_one=swap_zfo,
            swap_tick=_ints(swap_tick),
            swap_sqrt_price=_floats(price),
            swap_sqrt_price_exact=tuple(price),
            swap_liquidity_exact=tuple(swap_liq),
            swap_amount0_exact=tuple(amount0),
            swap_amount1_exact=tuple(amount1),
        )
