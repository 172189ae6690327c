"""Differential tests: simulator.pool.Pool against the real UniswapV3Pool bytecode, to the wei.

Seeded random sequences of mints, burns, collects, swaps (exact input and output, near and far
price limits) and protocol-fee changes run on both. After every operation the results, the pool's
globals (slot0 price/tick/fee protocol, liquidity, fee growth globals, protocol fees), the ticks the
operation can change and the touched position must be equal; every 50 operations and at the end,
all ticks and positions are compared, and at the end every live position is poked so that each
position's tokensOwed is compared after all fees are credited. A call the contract reverts must
raise in the simulator too (with the same reason where the contract gives one), and leave both
unchanged. Finally, a real position minted on the pool earns exactly the fees that the exact
attribution gives it when its liquidity is declared as L_own.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from scripts.devchain.artifacts import missing_dependencies
from simulator.attribution import ExactStep, exact_position_fees
from simulator.errors import SimulatorError
from simulator.pool import Pool, SwapResult
from simulator.tickmath import MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, get_sqrt_ratio_at_tick
from tests.simulator.evm_harness import EvmPool, EvmReverted, PoolState, PositionState, TickState

_MISSING = [m for m in missing_dependencies() if "v3-core" in m or "contracts/build" in m]
if _MISSING and os.environ.get("CI", "").lower() == "true":
    raise RuntimeError(f"CI=true but the Uniswap artifacts are missing: {_MISSING}")
pytestmark = pytest.mark.skipif(
    bool(_MISSING), reason=f"npm artifacts missing (run `npm ci --prefix scripts/devchain`): {_MISSING}"
)

SPACING = {500: 10, 3000: 60, 10000: 200}
MAX_UINT128 = (1 << 128) - 1
Q96 = 1 << 96
OWNERS = tuple("0x" + f"{i:02x}" * 20 for i in (0xA1, 0xB2, 0xC3))
FLOOR_OWNER = "0x" + "f1" * 20  # holds the full-range liquidity floor; never burns during a sequence
FULL_CHECK_EVERY = 50
OPS_PER_SEQUENCE = 1200  # x 6 sequences: ~7,200 operations, each checked against the bytecode
Key = tuple[str, int, int]


@dataclass
class _Run:
    """Both pools and what the sequence has touched so far (ticks and position keys)."""

    sim: Pool
    evm: EvmPool
    rng: random.Random
    protocol_fee: bool
    ticks: set[int] = field(default_factory=set)
    positions: set[Key] = field(default_factory=set)
    start_tick: int = 0
    ops: int = 0
    reverts: int = 0
    crossings: int = 0


def _sim_state(sim: Pool) -> PoolState:
    return PoolState(
        sim.sqrt_price_x96, sim.tick, sim.fee_protocol, sim.liquidity, sim.fee_growth_global0_x128,
        sim.fee_growth_global1_x128, sim.protocol_fees0, sim.protocol_fees1,
    )  # fmt: skip


def _sim_tick(sim: Pool, tick: int) -> TickState:
    info = sim.ticks.get(tick)
    if info is None:
        return TickState(0, 0, 0, 0)
    return TickState(info.liquidity_gross, info.liquidity_net, info.fee_growth_outside0_x128,
                     info.fee_growth_outside1_x128)


def _sim_position(sim: Pool, key: Key) -> PositionState:
    p = sim.positions.get(key)
    if p is None:
        return PositionState(0, 0, 0, 0, 0)
    return PositionState(p.liquidity, p.fee_growth_inside0_last_x128, p.fee_growth_inside1_last_x128,
                         p.tokens_owed0, p.tokens_owed1)


def _check(run: _Run, what: str, ticks: set[int], positions: set[Key]) -> None:
    assert _sim_state(run.sim) == run.evm.state(), what
    for t in sorted(ticks):
        assert _sim_tick(run.sim, t) == run.evm.tick(t), f"{what}: tick {t}"
    for key in sorted(positions):
        assert _sim_position(run.sim, key) == run.evm.position(*key), f"{what}: position {key}"


def _both(run: _Run, what: str, sim_call: Callable[[], object], evm_call: Callable[[], object]) -> object:
    """Run one operation on both; both succeed with equal results or both revert (same reason)."""
    try:
        expected = evm_call()
    except EvmReverted as evm_error:
        with pytest.raises(SimulatorError) as sim_error:
            sim_call()
        sim_reason = getattr(sim_error.value, "reason", "")
        if evm_error.reason and sim_reason:
            assert sim_reason == evm_error.reason, what
        run.reverts += 1
        return None
    got = sim_call()
    if isinstance(got, SwapResult):  # the pool's signed (amount0, amount1), as the contract returns
        got = (got.amount0, got.amount1)
    assert got == expected, what
    return got


def _random_range(run: _Run) -> tuple[int, int]:
    spacing, rng = run.sim.tick_spacing, run.rng
    lowest, highest = -(MAX_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing
    if rng.random() < 0.05:
        return lowest, highest
    if rng.random() < 0.03:  # invalid on purpose: not spaced, inverted, or empty
        base = run.sim.tick - run.sim.tick % spacing
        return rng.choice(((base + 1, base + 5 * spacing), (base, base - spacing), (base, base)))
    reach = rng.choice((3, 30, 300))
    lower = (run.sim.tick // spacing + rng.randint(-reach, reach)) * spacing
    upper = lower + rng.randint(1, reach) * spacing
    return max(lowest, min(lower, highest - spacing)), max(lowest, min(upper, highest))


def _mint(run: _Run, full_range: bool = False) -> None:
    owner = FLOOR_OWNER if full_range else run.rng.choice(OWNERS)
    lower, upper = _random_range(run)
    liquidity = int(10 ** run.rng.uniform(2, 24))
    if full_range:
        upper = (MAX_TICK // run.sim.tick_spacing) * run.sim.tick_spacing
        lower, liquidity = -upper, 10**25  # a floor of liquidity everywhere, above any single mint
    what = f"op {run.ops}: mint {owner[:6]} [{lower}, {upper}] L={liquidity}"
    minted = _both(run, what, lambda: run.sim.mint(owner, lower, upper, liquidity),
                   lambda: run.evm.mint(owner, lower, upper, liquidity))
    if minted is not None:
        run.ticks |= {lower, upper}
        run.positions.add((owner, lower, upper))
    _check(run, what, {lower, upper} & run.ticks, {(owner, lower, upper)} & run.positions)


def _burn(run: _Run) -> None:
    live = sorted(k for k in run.positions if run.sim.positions[k].liquidity > 0 and k[0] != FLOOR_OWNER)
    if not live:
        return _mint(run)
    key = run.rng.choice(live)
    held = run.sim.positions[key].liquidity
    amount = run.rng.choice((held, 0, run.rng.randint(1, held), held + run.rng.randint(1, 10**6)))
    what = f"op {run.ops}: burn {key} {amount} of {held}"
    _both(run, what, lambda: run.sim.burn(*key, amount), lambda: run.evm.burn(*key, amount))
    _check(run, what, {key[1], key[2]}, {key})


def _collect(run: _Run) -> None:
    if not run.positions:
        return _mint(run)
    key = run.rng.choice(sorted(run.positions))
    owed = run.sim.positions[key]
    req0 = run.rng.choice((MAX_UINT128, 0, run.rng.randint(0, owed.tokens_owed0 + 1)))
    req1 = run.rng.choice((MAX_UINT128, 0, run.rng.randint(0, owed.tokens_owed1 + 1)))
    what = f"op {run.ops}: collect {key} ({req0}, {req1})"
    _both(run, what, lambda: run.sim.collect(*key, req0, req1), lambda: run.evm.collect(*key, req0, req1))
    _check(run, what, set(), {key})


def _swap_limit(run: _Run, zero_for_one: bool, *, near: bool) -> int:
    rng = run.rng
    if rng.random() < 0.02:  # the wrong side of the price: 'SPL'
        return run.sim.sqrt_price_x96 + (1 if zero_for_one else -1)
    if not near and rng.random() < 0.6:
        return MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    distance = rng.randint(1, rng.choice((20, 500, 5000)))
    target = run.sim.tick - distance if zero_for_one else run.sim.tick + distance
    return get_sqrt_ratio_at_tick(max(MIN_TICK + 1, min(MAX_TICK - 1, target)))


def _swap(run: _Run) -> None:
    rng = run.rng
    drift = max(-0.3, min(0.3, (run.sim.tick - run.start_tick) / 100_000))  # pull back toward the start
    zero_for_one = rng.random() < 0.5 + drift
    exact_input = rng.random() < 0.6
    token0_side = zero_for_one == exact_input  # the specified amount is in token0
    sqrt_p, liquidity = run.sim.sqrt_price_x96, max(run.sim.liquidity, 10**12)
    reserve = liquidity * Q96 // sqrt_p if token0_side else liquidity * sqrt_p // Q96
    # mostly small against the reserve (a random walk of the price that stays in range), now and then
    # a large one that crosses many ticks or drains the liquidity up to a near limit
    large = rng.random() < 0.05
    amount = max(1, int(reserve * 10 ** (rng.uniform(-1.3, 0.3) if large else rng.uniform(-7, -1.3))))
    amount = 0 if rng.random() < 0.01 else (amount if exact_input else -amount)
    limit = _swap_limit(run, zero_for_one, near=large)
    start_tick = run.sim.tick
    what = f"op {run.ops}: swap zfo={zero_for_one} amount={amount} limit={limit}"
    _both(run, what, lambda: run.sim.swap(zero_for_one, amount, limit),
          lambda: run.evm.swap(zero_for_one, amount, limit))
    low, high = sorted((start_tick, run.sim.tick))
    crossed = {t for t in run.ticks if low <= t <= high + run.sim.tick_spacing}
    run.crossings += len(crossed)
    _check(run, what, crossed, set())


def _fee_protocol(run: _Run) -> None:
    choices = (0, 4, 5, 6, 7, 8, 9, 10) if run.rng.random() < 0.95 else (3, 11)
    p0, p1 = run.rng.choice(choices), run.rng.choice(choices)
    what = f"op {run.ops}: setFeeProtocol({p0}, {p1})"
    _both(run, what, lambda: run.sim.set_fee_protocol(p0, p1), lambda: run.evm.set_fee_protocol(p0, p1))
    _check(run, what, set(), set())


def _play(fee: int, protocol_fee: bool, seed: int, n_ops: int) -> _Run:
    rng = random.Random(seed)
    start = get_sqrt_ratio_at_tick(rng.randint(-60_000, 60_000)) + rng.randint(0, 10**9)
    sim = Pool(fee, SPACING[fee], start)
    run = _Run(sim, EvmPool(fee, start), rng, protocol_fee, start_tick=sim.tick)
    _mint(run, full_range=True)
    if protocol_fee:
        _fee_protocol(run)
    ops = [_mint] * 25 + [_burn] * 15 + [_collect] * 10 + [_swap] * 50 + ([_fee_protocol] * 3 if protocol_fee else [])
    for _ in range(n_ops):
        run.ops += 1
        rng.choice(ops)(run)
        if run.ops % FULL_CHECK_EVERY == 0:
            _check(run, f"full check after op {run.ops}", run.ticks, run.positions)
    for key in sorted(k for k in run.positions if run.sim.positions[k].liquidity > 0):
        _both(run, f"final poke {key}", lambda: run.sim.burn(*key, 0), lambda: run.evm.burn(*key, 0))
    _check(run, "end", run.ticks, run.positions)
    return run


@pytest.mark.parametrize("fee", [500, 3000, 10000])
@pytest.mark.parametrize("protocol_fee", [False, True], ids=["protocol-fee-off", "protocol-fee-on"])
def test_random_mint_burn_collect_swap_sequences_match_the_real_pool_bytecode_to_the_wei(
    fee: int, protocol_fee: bool
) -> None:
    run = _play(fee, protocol_fee, seed=fee * 2 + protocol_fee, n_ops=OPS_PER_SEQUENCE)

    assert run.ops == OPS_PER_SEQUENCE
    assert run.crossings > 100  # the sequences do cross initialized ticks
    assert 0 < run.reverts < OPS_PER_SEQUENCE // 10  # reverts are exercised, most operations go through
    owed = sum(_sim_position(run.sim, k).tokens_owed0 + _sim_position(run.sim, k).tokens_owed1 for k in run.positions)
    assert owed > 0
    if protocol_fee:
        assert run.sim.protocol_fees0 + run.sim.protocol_fees1 > 0


def test_burning_the_last_liquidity_of_a_tick_credits_fees_grown_inside_before_the_tick_is_cleared() -> None:
    # The contract computes the position's fee growth inside before Tick.clear; clearing first would
    # read the cleared ticks as zero and credit the wrong tokensOwed.
    start = get_sqrt_ratio_at_tick(0)
    sim = Pool(3000, 60, start)
    run = _Run(sim, EvmPool(3000, start), random.Random(0), protocol_fee=False)
    owner = OWNERS[0]
    for pool in (run.sim, run.evm):
        pool.mint(FLOOR_OWNER, -887220, 887220, 10**22)
        pool.mint(owner, -120, 120, 10**21)
    for zero_for_one, limit_tick in ((True, -200), (False, 200), (True, -30)):  # crosses both ticks
        limit = get_sqrt_ratio_at_tick(limit_tick)
        assert run.sim.swap(zero_for_one, 10**30, limit).amount0 == run.evm.swap(zero_for_one, 10**30, limit)[0]

    key = (owner, -120, 120)
    _both(run, "burn all", lambda: run.sim.burn(*key, 10**21), lambda: run.evm.burn(*key, 10**21))

    _check(run, "after the burn", {-120, 120}, {(owner, -120, 120)})
    assert run.evm.position(owner, -120, 120).tokens_owed0 > 0


def _steps_of(result: SwapResult, own: Key, own_liquidity: int) -> list[ExactStep]:
    """The swap's steps as attribution input, with L_own = the own position's liquidity where active."""
    sqrt_lower, sqrt_upper = get_sqrt_ratio_at_tick(own[1]), get_sqrt_ratio_at_tick(own[2])
    steps = []
    for start, end, liquidity, lp_fee, tick in zip(
        result.step_sqrt_price_start, result.step_sqrt_price_end, result.step_liquidity, result.step_lp_fee,
        result.step_tick_end, strict=True,
    ):
        lo, hi = sorted((start, end))
        active = own[1] <= tick < own[2] if lo == hi else sqrt_lower <= lo and hi <= sqrt_upper
        steps.append(ExactStep(start, end, result.zero_for_one, liquidity, own_liquidity if active else 0,
                               lp_fee, tick))
    return steps


@pytest.mark.parametrize("protocol_fee", [False, True], ids=["protocol-fee-off", "protocol-fee-on"])
def test_a_real_position_earns_exactly_the_fees_attribution_gives_it_when_declared_as_own_liquidity(
    protocol_fee: bool,
) -> None:
    start = get_sqrt_ratio_at_tick(0)
    run = _Run(Pool(500, 10, start), EvmPool(500, start), random.Random(41 + protocol_fee), protocol_fee)
    _mint(run, full_range=True)
    if protocol_fee:
        _both(run, "fee protocol", lambda: run.sim.set_fee_protocol(4, 7), lambda: run.evm.set_fee_protocol(4, 7))
    own, own_liquidity = ("0x" + "0e" * 20, -600, 400), 3 * 10**24
    for pool in (run.sim, run.evm):
        pool.mint(*own, own_liquidity)
    steps: list[ExactStep] = []
    for _ in range(400):
        run.ops += 1
        if run.rng.random() < 0.2:
            run.rng.choice((_mint, _burn))(run)  # other LPs move the liquidity curve
            continue
        zero_for_one = run.rng.random() < 0.5 + max(-0.3, min(0.3, run.sim.tick / 4000))
        amount = int(10 ** run.rng.uniform(15, 24.5)) * run.rng.choice((1, -1))
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        expected = run.evm.swap(zero_for_one, amount, limit)
        result = run.sim.swap(zero_for_one, amount, limit)
        assert (result.amount0, result.amount1) == expected
        steps += _steps_of(result, own, own_liquidity)
    for pool in (run.sim, run.evm):
        pool.burn(*own, 0)  # poke: the pool credits the fees earned so far to tokensOwed

    real = run.evm.position(*own)
    bounds = (get_sqrt_ratio_at_tick(own[1]), get_sqrt_ratio_at_tick(own[2]))
    fees = exact_position_fees(steps, (own[1], own[2]), bounds, own_liquidity)
    assert fees == (real.tokens_owed0, real.tokens_owed1)
    assert real.tokens_owed0 > 0 and real.tokens_owed1 > 0
    assert sum(1 for s in steps if s.own_liquidity == 0) > 0  # the price also left the range
