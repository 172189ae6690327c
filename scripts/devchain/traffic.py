"""Traffic generator: swaps along a random-walk price, plus LP mints and burns, over many blocks.

Each block trades one pool. A random-walk target tick (bounded to `band_ticks` around the pool's
start tick) moves every block; the block's swaps all push the price toward it, sized from the
pool's active liquidity so they cross initialized ticks, half exact-input and half exact-output
through the SwapRouter. Every swap has a price limit a little beyond the previous swap's, so a
swap never starts at its own limit (which the pool would reject) and exact-output swaps may fill
partially instead of reverting. Other LPs mint around the price and burn (decrease + collect)
positions they minted earlier. Amounts are raw token units; limits are Q64.96.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field

from scripts.devchain.actions import (
    collect_all,
    decrease_liquidity,
    exact_input,
    exact_output,
    minted_positions,
    npm_mint,
)
from scripts.devchain.deployment import Deployment, PoolInfo
from scripts.devchain.encoding import calldata, decode_result
from scripts.devchain.pricemath import floor_to_spacing
from scripts.devchain.rpc import Rpc, Tx, TxOutcome
from simulator.fullmath import Q96
from simulator.tickmath import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick

__all__ = ["TrafficConfig", "TrafficGenerator", "TrafficReport"]


@dataclass(frozen=True)
class TrafficConfig:
    """Knobs of the generator.

    `events_per_block`: events sent and mined together (a block may split if gas runs out);
    `lp_share`: share of events that are LP mints or burns; `exact_output_share`: share of swaps
    that are exact-output; `walk_step_ticks`: std dev of the target's move per block (ticks);
    `band_ticks`: the target stays within this distance of the pool's start tick (ticks).
    """

    seed: int = 7
    events_per_block: int = 10
    lp_share: float = 0.15
    exact_output_share: float = 0.5
    walk_step_ticks: float = 60.0
    band_ticks: int = 2500
    pool_fees: tuple[int, ...] = (500, 3000)


@dataclass
class TrafficReport:
    """Counts of mined, successful events (and failures with the node's reason) of a run."""

    swaps: int = 0
    exact_output_swaps: int = 0
    mints: int = 0
    burns: int = 0
    blocks: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return self.swaps + self.mints + self.burns


@dataclass
class _LpPosition:
    owner: str
    token_id: int
    pool: PoolInfo
    liquidity: int


@dataclass(frozen=True)
class _Planned:
    kind: str  # "swap", "swap_out", "mint", "burn" or "collect"
    tx: Tx
    position: _LpPosition | None = None
    burned: int = 0


class TrafficGenerator:
    """Generates traffic on a deployed devchain; `run(n)` for N events, `run_forever` at a block rate."""

    def __init__(self, rpc: Rpc, deployment: Deployment, config: TrafficConfig | None = None) -> None:
        self.rpc = rpc
        self.d = deployment
        self.config = config or TrafficConfig()
        self._rng = random.Random(self.config.seed)
        self._pools = tuple(deployment.pool(fee) for fee in self.config.pool_fees)
        self._start_tick: dict[str, int] = {}
        self._target: dict[str, float] = {}
        self._positions: list[_LpPosition] = []
        self._block_index = 0

    def run(self, n_events: int) -> TrafficReport:
        """Generate blocks until at least `n_events` events (swaps, mints, burns) succeeded."""
        report = TrafficReport()
        while report.events < n_events and len(report.failures) <= n_events:
            self.step(report, min(self.config.events_per_block, n_events - report.events))
        return report

    def run_forever(self, stop: threading.Event, *, block_interval_s: float) -> TrafficReport:
        """One block of traffic every `block_interval_s` seconds until `stop` is set."""
        report = TrafficReport()
        while not stop.is_set():
            self.step(report, self.config.events_per_block)
            stop.wait(block_interval_s)
        return report

    def step(self, report: TrafficReport, n_events: int) -> None:
        """Plan `n_events` events on one pool, send them as one batch, mine, and count outcomes."""
        pool = self._pools[self._block_index % len(self._pools)]
        self._block_index += 1
        tick, sqrt_price, liquidity = self._pool_state(pool)
        planned = self._plan(pool, tick, sqrt_price, liquidity, n_events)
        outcomes = self.rpc.send([p.tx for p in planned])
        report.blocks += len({o.receipt["blockNumber"] for o in outcomes if o.receipt is not None})
        for item, outcome in zip(planned, outcomes, strict=True):
            self._record(item, outcome, report)

    def _pool_state(self, pool: PoolInfo) -> tuple[int, int, int]:
        slot0_raw, liquidity_raw = (
            r["result"]
            for r in self.rpc.batch([
                ("eth_call", [{"to": pool.address, "data": calldata("UniswapV3Pool", "slot0")}, "latest"]),
                ("eth_call", [{"to": pool.address, "data": calldata("UniswapV3Pool", "liquidity")}, "latest"]),
            ])
        )
        slot0 = decode_result("UniswapV3Pool", "slot0", slot0_raw)
        (liquidity,) = decode_result("UniswapV3Pool", "liquidity", liquidity_raw)
        self._start_tick.setdefault(pool.address, int(slot0[1]))
        self._target.setdefault(pool.address, float(slot0[1]))
        return int(slot0[1]), int(slot0[0]), int(liquidity)

    def _plan(self, pool: PoolInfo, tick: int, sqrt_price: int, liquidity: int, n: int) -> list[_Planned]:
        target = self._walk(pool, tick)
        n_lp = sum(1 for _ in range(n) if self._rng.random() < self.config.lp_share)
        swaps = self._plan_swaps(pool, tick, sqrt_price, liquidity, target, n - n_lp)
        return swaps + [p for _ in range(n_lp) for p in self._plan_lp(pool, tick)]

    def _walk(self, pool: PoolInfo, tick: int) -> int:
        band, start = self.config.band_ticks, self._start_tick[pool.address]
        moved = self._target[pool.address] + self._rng.gauss(0.0, self.config.walk_step_ticks)
        self._target[pool.address] = min(max(moved, start - band), start + band)
        target = round(self._target[pool.address])
        if abs(target - tick) < 2:  # at the target: take a small step either way
            target = tick + self._rng.choice((-1, 1)) * max(2, round(self.config.walk_step_ticks / 4))
        return target

    def _plan_swaps(
        self, pool: PoolInfo, tick: int, sqrt_price: int, liquidity: int, target: int, n: int
    ) -> list[_Planned]:
        down = target < tick  # zero for one: token0 in, price falls
        trader = self.d.accounts.traders[self._block_index % len(self.d.accounts.traders)]
        mean_ticks = max(0.5, abs(target - tick) / max(n, 1) * 1.5)
        out = []
        for i in range(n):
            limit_tick = target + (-1 if down else 1) * (i + 1) * pool.tick_spacing
            limit = get_sqrt_ratio_at_tick(min(max(limit_tick, MIN_TICK + 1), MAX_TICK - 1))
            ticks = self._rng.lognormvariate(math.log(mean_ticks), 0.8)
            amount_in, amount_out = _amounts_for_move(liquidity, sqrt_price, ticks, down)
            if self._rng.random() < self.config.exact_output_share:
                tx = exact_output(self.d.swap_router, pool, trader, down, amount_out, limit)
                out.append(_Planned("swap_out", tx))
            else:
                out.append(_Planned("swap", exact_input(self.d.swap_router, pool, trader, down, amount_in, limit)))
        return out

    def _plan_lp(self, pool: PoolInfo, tick: int) -> list[_Planned]:
        mine = [p for p in self._positions if p.pool == pool and p.liquidity > 0]
        if mine and self._rng.random() < 0.45:
            position = self._rng.choice(mine)
            burned = position.liquidity if self._rng.random() < 0.6 else position.liquidity // 2
            position.liquidity -= burned  # now, so a second burn in this block sees what is left
            if position.liquidity == 0:
                self._positions.remove(position)
            return [
                _Planned("burn", decrease_liquidity(self.d.position_manager, position.owner, position.token_id, burned),
                         position, burned),
                _Planned("collect", collect_all(self.d.position_manager, position.owner, position.token_id)),
            ]
        spacing = pool.tick_spacing
        lower = floor_to_spacing(tick - self._rng.randint(1, 60) * spacing, spacing)
        upper = floor_to_spacing(tick + self._rng.randint(1, 60) * spacing, spacing) + spacing
        owner = self._rng.choice(self.d.accounts.lps)
        scale = self._rng.uniform(0.02, 0.5)
        desired = (int(200_000 * 10**6 * scale), int(100 * 10**18 * scale))
        if pool.token0 != self.d.token6:
            desired = desired[::-1]
        tx = npm_mint(self.d.position_manager, pool, owner, lower, upper, desired, owner)
        return [_Planned("mint", tx, _LpPosition(owner, 0, pool, 0))]

    def _record(self, item: _Planned, outcome: TxOutcome, report: TrafficReport) -> None:
        if outcome.error is not None:
            report.failures.append(f"{item.kind}: {outcome.error}")
            if item.kind == "burn" and item.position is not None:
                self._restore(item.position, item.burned)
            return
        if item.kind in ("swap", "swap_out"):
            report.swaps += 1
            report.exact_output_swaps += item.kind == "swap_out"
        elif item.kind == "mint" and outcome.receipt is not None and item.position is not None:
            (minted,) = minted_positions([outcome.receipt], self.d.position_manager)
            owner, pool = item.position.owner, item.position.pool
            self._positions.append(_LpPosition(owner, minted.token_id, pool, minted.liquidity))
            report.mints += 1
        elif item.kind == "burn":
            report.burns += 1

    def _restore(self, position: _LpPosition, burned: int) -> None:
        position.liquidity += burned
        if position not in self._positions:
            self._positions.append(position)


def _amounts_for_move(liquidity: int, sqrt_price: int, ticks: float, down: bool) -> tuple[int, int]:
    """Approximate (amount in, amount out) in raw units that move the price by `ticks` at `liquidity`."""
    up_factor = 1.0001 ** (ticks / 2) - 1.0
    down_factor = 1.0 - 1.0001 ** (-ticks / 2)
    token0 = liquidity * Q96 / sqrt_price
    token1 = liquidity * sqrt_price / Q96
    if down:  # token0 in, token1 out
        return max(1, int(token0 * up_factor)), max(1, int(token1 * down_factor))
    return max(1, int(token1 * up_factor)), max(1, int(token0 * down_factor))
