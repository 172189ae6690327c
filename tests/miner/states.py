"""Query states for the miner tests: built as the validator builds them, and at random (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from miner.view import QueryView
from protocol.decisions import MAX_TICK, MIN_TICK, Keep, PositionSpec, Rebalance, Refuse
from protocol.validation import AnswerContext
from simulator.tickmath import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio

POOL = "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8"


def view(
    tick: int = 0,
    *,
    spacing: int = 60,
    positions: tuple[PositionSpec, ...] = (),
    inventory: tuple[int, int] | None = (10**18, 3 * 10**12),
    block: int = 1000,
    pool: str = POOL,
    sqrt_price: int | None = None,
) -> QueryView:
    """A query at ``tick`` (or exactly at ``sqrt_price``) with the given holdings."""
    price = get_sqrt_ratio_at_tick(tick) if sqrt_price is None else sqrt_price
    return QueryView(
        job_id="job-1", pool=pool, vault="0x" + "1" * 40, chain_id=8453, round_id="r1", round_type="evaluation",
        block_number=block, sqrt_price_x96=price, tick=get_tick_at_sqrt_ratio(price), tick_spacing=spacing,
        positions=positions, inventory0=None if inventory is None else inventory[0],
        inventory1=None if inventory is None else inventory[1], rebalances_so_far=0,
    )  # fmt: skip


def context(query: QueryView) -> AnswerContext:
    """The validator's context for the query."""
    return AnswerContext(tick_spacing=query.tick_spacing, inventory0=query.inventory0 or 0,
                         inventory1=query.inventory1 or 0, current_positions=query.positions)


def wire_answer(query: QueryView, answer: Keep | Rebalance | Refuse) -> dict[str, Any]:
    """The response fields the miner sends for ``answer``, as JSON values (what the validator reads)."""
    if isinstance(answer, Refuse):
        return {"accepted": False, "refusal_reason": answer.reason, "desired_positions": None}
    positions = query.positions if isinstance(answer, Keep) else answer.positions
    return {"accepted": True, "desired_positions": [p.to_wire().model_dump() for p in positions]}


@st.composite
def spacings(draw: st.DrawFn) -> int:
    return draw(st.one_of(st.sampled_from([1, 10, 60, 200, 2000]), st.integers(1, 16383)))


@st.composite
def sqrt_prices(draw: st.DrawFn) -> int:
    near_tick = st.builds(lambda t, d: min(get_sqrt_ratio_at_tick(t) + d, MAX_SQRT_RATIO - 1),
                          st.integers(MIN_TICK, MAX_TICK - 1), st.integers(0, 2**40))
    return draw(st.one_of(near_tick, st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1)))


amounts = st.one_of(st.just(0), st.integers(0, 10**30), st.integers(0, 2**256 - 1))


@st.composite
def held_positions(draw: st.DrawFn, spacing: int) -> tuple[PositionSpec, ...]:
    top = MAX_TICK // spacing
    count = draw(st.integers(0, 3))
    positions = []
    for _ in range(count):
        lower = draw(st.integers(-top, top - 1))
        upper = draw(st.integers(lower + 1, top))
        positions.append(PositionSpec(lower * spacing, upper * spacing, draw(amounts), draw(amounts)))
    return tuple(positions)


@st.composite
def random_views(draw: st.DrawFn) -> QueryView:
    """A random but well-formed checkpoint: any price, spacing, holdings and inventory."""
    spacing = draw(spacings())
    inventory = draw(st.one_of(st.none(), st.tuples(amounts, amounts)))
    return view(sqrt_price=draw(sqrt_prices()), spacing=spacing, positions=draw(held_positions(spacing)),
                inventory=inventory, block=draw(st.integers(0, 10**9)))
