"""``ReplayChainSource``: the ``ChainSource`` interface served from the pool events DB.

A historical window ``[start_block, end_block]`` is replayed on a virtual clock: the head starts
at ``start_block``; ``wait_for_block(n)`` moves it to ``n`` at once (``speed=0``: as fast as the
round runs) or after ``(n - head) * block_time_s / speed`` seconds. Asking past ``end_block``
raises ``ReplayExhausted``.

Pool state at a block is the simulator's exact replay of the stored history: from a stored
snapshot when one is given (events after it applied with ``from_snapshot=True``), else from the
pool's Initialize event (every event since creation must be stored; the replay checks each one to
the wei). The pool object is kept and advanced, so a round asking for later blocks replays only
the new events. Slipstream stakes stored by the indexer (``stakes`` table) are replayed with the
rest. Vaults are not in the events DB: they come from ``vaults`` (keyed by vault
address), or start empty with ``default_idle`` tokens when given.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from db.event_reader import DEFAULT_LAYOUT, PoolEventsLayout, read_pool_histories
from db.pool_events import Pool as PoolRow
from simulator.csv_events import PoolHistory
from simulator.errors import SimulatorError
from simulator.events import PoolEvent, PoolInitialize
from simulator.pool import Pool, PoolSnapshot
from simulator.replay import pool_from_start, replay
from validator.chain.abi import checksum
from validator.chain.errors import ChainError, ReplayExhausted, RpcResponseError
from validator.chain.types import PoolInfo, PoolState, VaultState


class ReplayDataError(ChainError):
    """The stored history cannot serve the request (missing start, a replay mismatch, unknown vault)."""


@dataclass(slots=True)
class _Replayed:
    """A pool advanced to ``block`` (events up to and including it applied)."""

    pool: Pool
    block: int
    from_snapshot: bool


class ReplayChainSource:
    """A ``ChainSource`` over stored pool histories (see the module docstring)."""

    def __init__(
        self, histories: Mapping[str, PoolHistory], *, start_block: int, end_block: int, speed: float = 0.0,
        block_time_s: float = 2.0, snapshots: Mapping[str, PoolSnapshot] | None = None,
        vaults: Mapping[str, VaultState] | None = None, default_idle: tuple[int, int] | None = None,
        decimals: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        if end_block < start_block:
            raise ReplayDataError(f"empty replay window [{start_block}, {end_block}]")
        self.histories = {k.lower(): v for k, v in histories.items()}
        # block of each stored event, in the histories' (block, log_index) order: a window's events are
        # a slice found by bisection, not a scan of the whole history at every call
        self._blocks = {k: [e.block_number for e in h.events] for k, h in self.histories.items()}
        self.start_block, self.end_block = start_block, end_block
        self.speed, self.block_time_s = speed, block_time_s
        self.snapshots = {k.lower(): v for k, v in (snapshots or {}).items()}
        self.vaults = {k.lower(): v for k, v in (vaults or {}).items()}
        self.default_idle = default_idle
        self.decimals = {k.lower(): v for k, v in (decimals or {}).items()}
        self.head = start_block
        self._replayed: dict[str, _Replayed] = {}

    @classmethod
    async def from_database(
        cls, pools: list[str], *, start_block: int | None = None, end_block: int | None = None,
        layout: PoolEventsLayout = DEFAULT_LAYOUT, **kwargs: object,
    ) -> ReplayChainSource:
        """Load the pools' histories up to ``end_block`` (inside ``open_databases``). A window bound
        left None is the first (last) stored block of the pools' events and Initialize events."""
        histories = await read_pool_histories(pools, layout, None, end_block)
        blocks = [e.block_number for h in histories.values() for e in h.events]
        blocks += [h.initialize.block_number for h in histories.values() if h.initialize is not None]
        if not blocks:
            raise ReplayDataError(f"the pool events DB has no events of {', '.join(pools)}")
        decimals: dict[str, tuple[int, int]] = {}
        if layout.pools is not None:  # SN98's indexer tables have no pools table
            for row in await PoolRow.filter(address__in=list(histories)).values():
                if row["decimals0"] is not None and row["decimals1"] is not None:
                    decimals[str(row["address"])] = (int(row["decimals0"]), int(row["decimals1"]))
        start = min(blocks) if start_block is None else start_block
        end = max(blocks) if end_block is None else end_block
        return cls(histories, start_block=start, end_block=end, decimals=decimals, **kwargs)  # type: ignore[arg-type]

    async def head_block(self) -> int:
        return self.head

    async def wait_for_block(self, block_number: int) -> int:
        self._check_window(block_number)
        if block_number > self.head and self.speed > 0:
            await asyncio.sleep((block_number - self.head) * self.block_time_s / self.speed)
        self.head = max(self.head, block_number)
        return self.head

    def _check_window(self, block_number: int) -> None:
        if block_number > self.end_block:
            raise ReplayExhausted(f"block {block_number} is past the replay window's end {self.end_block}")

    def _history(self, pool: str) -> PoolHistory:
        history = self.histories.get(pool.lower())
        if history is None:
            raise ReplayDataError(f"pool {pool} is not in the replayed histories")
        return history

    def _events(self, pool: str, after: int, through: int) -> Sequence[PoolEvent]:
        """The stored events of blocks ``after + 1`` to ``through``, in order."""
        events, blocks = self._history(pool).events, self._blocks[pool.lower()]
        return events[bisect_right(blocks, after):bisect_right(blocks, through)]

    async def pool_state(self, pool: str, block_number: int) -> PoolState:
        self._check_window(block_number)
        key = pool.lower()
        replayed = self._advance(key, block_number)
        snapshot = replayed.pool.snapshot(block_number)
        meta = self._history(key).metadata
        d0, d1 = self.decimals.get(key, (0, 0))
        info = PoolInfo(address=checksum(key), token0=checksum(meta.token0) if meta.token0 else "",
                        token1=checksum(meta.token1) if meta.token1 else "", decimals0=d0, decimals1=d1,
                        fee=snapshot.fee, tick_spacing=snapshot.tick_spacing,
                        kind="slipstream" if snapshot.unstaked_fee is not None else "uniswap-v3")
        return PoolState(info=info, snapshot=snapshot, block_number=block_number,
                         block_timestamp=self._timestamp(key, block_number))

    def _advance(self, key: str, block_number: int) -> _Replayed:
        """The pool replayed to ``block_number`` (re-started when asked for an earlier block)."""
        current = self._replayed.get(key)
        if current is None or current.block > block_number:
            current = self._start(key, block_number)
        events = self._events(key, current.block, block_number)
        try:
            replay(current.pool, events, from_snapshot=current.from_snapshot)
        except SimulatorError as exc:
            raise ReplayDataError(f"pool {key}: stored history does not replay exactly: {exc}") from exc
        current.block = block_number
        self._replayed[key] = current
        return current

    def _start(self, key: str, block_number: int) -> _Replayed:
        history = self._history(key)
        snapshot = self.snapshots.get(key)
        if snapshot is not None and snapshot.block_number <= block_number:
            return _Replayed(Pool.from_snapshot(snapshot), snapshot.block_number, True)
        if history.initialize is None:
            raise ReplayDataError(f"pool {key}: no stored snapshot and no Initialize event to replay from")
        start: PoolInitialize = history.initialize
        try:
            pool = pool_from_start(history.metadata, start)
        except SimulatorError as exc:
            raise ReplayDataError(f"pool {key}: cannot start the replay: {exc}") from exc
        return _Replayed(pool, start.block_number - 1, False)

    def _timestamp(self, key: str, block_number: int) -> int:
        """The block's time from the stored events: exact when an event is in that block, else
        extrapolated from the last earlier one at ``block_time_s`` per block; 0 when unknown."""
        events = self._history(key).events
        for index in range(bisect_right(self._blocks[key], block_number) - 1, -1, -1):
            best = events[index]
            if best.timestamp:
                return best.timestamp + round((block_number - best.block_number) * self.block_time_s)
        return 0

    async def vault_state(self, vault: str, kind: str, pool: str, block_number: int) -> VaultState:
        self._check_window(block_number)
        known = self.vaults.get(vault.lower())
        if known is not None:
            return replace(known, block_number=block_number)
        if self.default_idle is None:
            raise ReplayDataError(f"vault {vault} is unknown to the replay and no default inventory is set")
        return VaultState(address=checksum(vault), kind=kind, pool=checksum(pool), block_number=block_number,
                          positions=(), idle0=self.default_idle[0], idle1=self.default_idle[1])

    async def pool_events(self, pool: str, from_block: int, to_block: int) -> list[PoolEvent]:
        self._check_window(to_block)
        return [e for e in self._events(pool, from_block - 1, to_block) if not isinstance(e, PoolInitialize)]

    async def block_timestamp(self, block_number: int) -> int:
        self._check_window(block_number)
        stamps = [self._timestamp(key, block_number) for key in self.histories]
        if not any(stamps):
            raise RpcResponseError(f"no stored timestamp at or before block {block_number}")
        return max(stamps)

    async def close(self) -> None:
        self._replayed.clear()
