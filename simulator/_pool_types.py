"""Records of the pool engine: tick and position storage, snapshots, and a swap's result.

``TickInfo`` and ``PositionInfo`` are mutable (they are the pool's storage, updated in place on the
hot path); ``TickSnapshot``, ``PoolSnapshot`` and ``SwapResult`` are frozen values that cross module
borders. All integers are exact: liquidity in the pool's units, fee growth in Q128.128 per unit of
liquidity (modulo 2**256, as the contract lets it wrap), prices in Q64.96, amounts in raw token units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple

STEP_FIELDS = 8
"""Ints per step in ``SwapResult.step_data``: start price, end price, liquidity, amount in, amount out,
fee, LP fee, tick after."""


class TickInfo:
    """The contract's ``Tick.Info`` fields the engine needs (``staked_liquidity_net``: Slipstream only)."""

    __slots__ = (
        "liquidity_gross",
        "liquidity_net",
        "fee_growth_outside0_x128",
        "fee_growth_outside1_x128",
        "staked_liquidity_net",
    )

    def __init__(
        self,
        liquidity_gross: int = 0,
        liquidity_net: int = 0,
        fee_growth_outside0_x128: int = 0,
        fee_growth_outside1_x128: int = 0,
        staked_liquidity_net: int = 0,
    ) -> None:
        self.liquidity_gross = liquidity_gross
        self.liquidity_net = liquidity_net
        self.fee_growth_outside0_x128 = fee_growth_outside0_x128
        self.fee_growth_outside1_x128 = fee_growth_outside1_x128
        self.staked_liquidity_net = staked_liquidity_net

    def __repr__(self) -> str:
        return (
            f"TickInfo(liquidity_gross={self.liquidity_gross}, liquidity_net={self.liquidity_net}, "
            f"fee_growth_outside0_x128={self.fee_growth_outside0_x128}, "
            f"fee_growth_outside1_x128={self.fee_growth_outside1_x128})"
        )


class PositionInfo:
    """The contract's ``Position.Info``: liquidity, fee growth inside at the last update, owed tokens."""

    __slots__ = (
        "liquidity",
        "fee_growth_inside0_last_x128",
        "fee_growth_inside1_last_x128",
        "tokens_owed0",
        "tokens_owed1",
    )

    def __init__(
        self,
        liquidity: int = 0,
        fee_growth_inside0_last_x128: int = 0,
        fee_growth_inside1_last_x128: int = 0,
        tokens_owed0: int = 0,
        tokens_owed1: int = 0,
    ) -> None:
        self.liquidity = liquidity
        self.fee_growth_inside0_last_x128 = fee_growth_inside0_last_x128
        self.fee_growth_inside1_last_x128 = fee_growth_inside1_last_x128
        self.tokens_owed0 = tokens_owed0
        self.tokens_owed1 = tokens_owed1

    def __repr__(self) -> str:
        return (
            f"PositionInfo(liquidity={self.liquidity}, tokens_owed0={self.tokens_owed0}, "
            f"tokens_owed1={self.tokens_owed1})"
        )


@dataclass(frozen=True, slots=True)
class TickSnapshot:
    """One initialized tick of a chain-head snapshot (as ``ticks(tick)`` returns it)."""

    liquidity_net: int
    liquidity_gross: int
    fee_growth_outside0_x128: int = 0
    fee_growth_outside1_x128: int = 0
    staked_liquidity_net: int = 0  # Slipstream only


@dataclass(frozen=True, slots=True)
class PoolSnapshot:
    """A pool's state read at one block: enough to continue the curve exactly from there.

    ``fee`` in hundredths of a bip; ``fee_protocol`` packed as slot0 (token0 in the low 4 bits, token1
    in the high 4); ``ticks`` every initialized tick. Positions are not part of a snapshot: ones minted
    before it are adopted by the replay at their first burn.
    """

    sqrt_price_x96: int
    tick: int
    liquidity: int
    fee: int
    tick_spacing: int
    ticks: Mapping[int, TickSnapshot]
    fee_protocol: int = 0
    fee_growth_global0_x128: int = 0
    fee_growth_global1_x128: int = 0
    protocol_fees0: int = 0
    protocol_fees1: int = 0
    block_number: int = 0
    unstaked_fee: int | None = None
    staked_liquidity: int = 0


class SwapResult(NamedTuple):
    """The outcome of one swap, and its step log (a NamedTuple: immutable and cheap to build, as one
    is made per swap on the hot path).

    ``amount0``/``amount1``: signed raw token units as in the Swap event (positive = paid into the
    pool). ``sqrt_price_x96`` (Q64.96), ``tick`` and ``liquidity`` are the pool's state after the swap.
    ``fee_growth_global_x128`` is the new fee growth of the input token; ``crossed`` lists each crossed
    initialized tick with the input token's fee growth at the crossing (what ``apply_swap`` needs).

    The step log is stored flat (``step_data``: ``STEP_FIELDS`` ints per step, so the hot loop appends
    once per step); the ``step_*`` properties slice it into per-field lists. Per step, in order:
    ``step_sqrt_price_start[i]`` / ``step_sqrt_price_end[i]`` (Q64.96), ``step_liquidity[i]`` (the liquidity that shares the LP fee: the active liquidity, minus
    the staked liquidity on Slipstream), ``step_amount_in[i]`` (input token, without fee),
    ``step_amount_out[i]`` (output token), ``step_fee[i]`` (the step's whole fee, input token),
    ``step_lp_fee[i]`` (the part of it that goes to LPs: after the protocol fee, or on Slipstream after
    the gauge's share), ``step_tick_end[i]`` (the pool's tick after the step).
    """

    zero_for_one: bool
    amount0: int
    amount1: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    fee_pips: int
    fee_growth_global_x128: int
    protocol_fee: int
    gauge_fee: int
    staked_liquidity: int
    crossed: list[tuple[int, int]]
    step_data: list[int]

    @property
    def step_count(self) -> int:
        """Number of steps the swap took (0 when quoted with ``record_steps=False``)."""
        return len(self.step_data) // STEP_FIELDS

    @property
    def step_sqrt_price_start(self) -> list[int]:
        return self.step_data[0::STEP_FIELDS]

    @property
    def step_sqrt_price_end(self) -> list[int]:
        return self.step_data[1::STEP_FIELDS]

    @property
    def step_liquidity(self) -> list[int]:
        return self.step_data[2::STEP_FIELDS]

    @property
    def step_amount_in(self) -> list[int]:
        return self.step_data[3::STEP_FIELDS]

    @property
    def step_amount_out(self) -> list[int]:
        return self.step_data[4::STEP_FIELDS]

    @property
    def step_fee(self) -> list[int]:
        return self.step_data[5::STEP_FIELDS]

    @property
    def step_lp_fee(self) -> list[int]:
        return self.step_data[6::STEP_FIELDS]

    @property
    def step_tick_end(self) -> list[int]:
        return self.step_data[7::STEP_FIELDS]
