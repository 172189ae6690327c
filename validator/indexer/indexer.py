"""The chain indexer: backfill a pool's Swap/Mint/Burn/Collect/SetFeeProtocol logs, then follow the head.

On a Slipstream pool with a gauge, the stakes (``StakeEvent``) read from the gauge's logs and the
gauge-owned Mint/Burn are stored with the pool's events (``validator.chain.stakes``).

Only blocks at least ``confirmations`` behind the node's head are read. Each window of up to
``window_blocks`` blocks is fetched (eth_getLogs in ranges of ``max_log_range``, halved when an
endpoint finds the answer too large), then stored with the cursor in one transaction. Before each
window the stored hash of the last indexed block is compared with the chain's: if it changed, a
reorg replaced it, and the indexer deletes the last ``reorg_depth`` blocks of events and reads them
again. After a restart it resumes from its cursor; ``from_block`` only matters for the first run
(default: the pool's creation block, found by bisecting ``eth_getCode``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TextIO

from loguru import logger

from validator.chain.abi import checksum
from validator.chain.errors import RpcUnavailable
from validator.chain.live import LiveChainSource
from validator.chain.logs import count_by_kind
from validator.indexer.progress import Progress
from validator.indexer.store import Cursor, load_cursor, rewind, save_pool, write_window


@dataclass(frozen=True, slots=True)
class IndexerOptions:
    """``confirmations`` (blocks), ``window_blocks`` (blocks per stored window), ``max_log_range``
    (blocks per eth_getLogs), ``poll_interval_s`` (seconds between head polls when caught up),
    ``reorg_depth`` (blocks re-read after a reorg), ``chain_id`` (stored with the rows)."""

    confirmations: int = 3
    window_blocks: int = 8_000
    max_log_range: int = 2_000
    poll_interval_s: float = 2.0
    reorg_depth: int = 64
    chain_id: int = 8453


@dataclass(slots=True)
class IndexerReport:
    """What a run did: windows stored, events seen per kind, reorgs handled, and where it stands."""

    first_block: int = 0
    next_block: int = 0
    windows: int = 0
    events: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    reorgs: int = 0


class Indexer:
    """Indexes one pool into the pool events DB (open it with ``open_databases`` first)."""

    def __init__(self, source: LiveChainSource, pool: str, options: IndexerOptions | None = None, *,
                 from_block: int | None = None, progress_stream: TextIO | None = None) -> None:
        self.source = source
        self.pool = checksum(pool)
        self.key = self.pool.lower()
        self.options = options or IndexerOptions()
        self.from_block = from_block
        self.progress_stream = progress_stream
        self.report = IndexerReport()

    async def safe_head(self) -> int:
        """The newest block with enough confirmations."""
        latest = int(str(await self.source.rpc.call("eth_blockNumber", [])), 16)
        return latest - self.options.confirmations

    async def run(self, stop: asyncio.Event, *, follow: bool = True) -> IndexerReport:
        """Backfill to the safe head, then (``follow``) keep up with it until ``stop`` is set."""
        head = await self.safe_head()
        cursor = await self._start(head)
        self.report.first_block = self.report.next_block = cursor.next_block
        progress = Progress(cursor.next_block, head, stream=self.progress_stream)
        backfilling = True
        while not stop.is_set():
            cursor = await self._check_reorg(cursor)
            if cursor.next_block > head:  # the head is read again only when the cursor has reached it
                head = await self.safe_head()
            if cursor.next_block > head:
                if backfilling:
                    backfilling = False
                    progress.finish()
                    logger.info("indexer {}: caught up at block {}", self.pool, cursor.next_block - 1)
                if not follow:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.options.poll_interval_s)
                continue
            cursor = await self._index_window(cursor, head)
            if backfilling:
                progress.update(cursor.next_block, self.report.events)
        self.report.next_block = cursor.next_block
        return self.report

    async def _start(self, head: int) -> Cursor:
        info = await self.source.pool_info(self.pool, max(head, 0))
        cursor = await load_cursor(self.key)
        if cursor is not None:
            logger.info("indexer {}: resuming at block {}", self.pool, cursor.next_block)
            return cursor
        start = self.from_block if self.from_block is not None else await self.creation_block(head)
        await save_pool(info, self.options.chain_id, start if self.from_block is None else None)
        logger.info("indexer {}: starting at block {}", self.pool, start)
        return Cursor(pool=self.key, next_block=start, last_block_hash="")

    async def creation_block(self, head: int) -> int:
        """The first block at which the pool has code (bisection over ``eth_getCode``)."""
        low, high = 0, max(head, 0)
        while low < high:
            middle = (low + high) // 2
            code = await self.source.rpc.call("eth_getCode", [self.pool, hex(middle)])
            if str(code) not in ("0x", "0x0", ""):
                high = middle
            else:
                low = middle + 1
        return low

    async def _check_reorg(self, cursor: Cursor) -> Cursor:
        """Rewind ``reorg_depth`` blocks when the last indexed block's hash is no longer canonical."""
        if not cursor.last_block_hash:
            return cursor
        canonical = await self.source.block_hash(cursor.next_block - 1)
        if canonical.lower() == cursor.last_block_hash.lower():
            return cursor
        back_to = max(0, cursor.next_block - self.options.reorg_depth)
        previous_hash = await self.source.block_hash(back_to - 1) if back_to > 0 else ""
        rewound = Cursor(pool=self.key, next_block=back_to, last_block_hash=previous_hash)
        deleted = await rewind(rewound, self.options.chain_id)
        self.report.reorgs += 1
        logger.warning("indexer {}: block {} was reorged ({} -> {}); rewound to {}, {} rows deleted", self.pool,
                       cursor.next_block - 1, cursor.last_block_hash, canonical, back_to, deleted)
        return rewound

    async def _index_window(self, cursor: Cursor, head: int) -> Cursor:
        last = min(head, cursor.next_block + self.options.window_blocks - 1)
        batch = await self.source.pool_log_batch(self.pool, cursor.next_block, last,
                                                 max_range=self.options.max_log_range)
        last_hash = batch.block_hashes.get(last) or await self.source.block_hash(last)
        moved = Cursor(pool=self.key, next_block=last + 1, last_block_hash=last_hash)
        await write_window(moved, batch.events, self.options.chain_id)
        self.report.windows += 1
        self.report.events += len(batch.events)
        for kind, count in count_by_kind(batch.events).items():
            self.report.by_kind[kind] = self.report.by_kind.get(kind, 0) + count
        self.report.next_block = moved.next_block
        return moved


async def run_until_stopped(indexer: Indexer, stop: asyncio.Event, *, follow: bool) -> IndexerReport:
    """``run`` that logs an RPC outage and keeps going (after a pause) instead of exiting: an outage
    longer than the retries only delays the indexer. Other chain errors (bad data, wrong pool) raise."""
    while True:
        try:
            return await indexer.run(stop, follow=follow)
        except RpcUnavailable as exc:
            logger.error("indexer {}: {}; retrying in {:g} s", indexer.pool, exc, indexer.options.poll_interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=indexer.options.poll_interval_s)
            if stop.is_set():
                return indexer.report
