"""``LiveChainSource``: the rounds' reads of Base (or any EVM chain) over JSON-RPC.

Every read is pinned to one block and goes out in a few batched requests through ``RpcClient``
(failover, retries, rate limits, timeouts). The head is ``eth_blockNumber`` minus
``confirmations``; ``wait_for_block`` polls it every ``poll_interval_s`` (Base makes a block every
2 s), never in a hot loop. What never changes about a pool (tokens, decimals, spacing, kind) is
read once and cached.

Usage::

    source = LiveChainSource(RpcClient(urls, RpcOptions()), LiveOptions(confirmations=3))
    block = await source.head_block()
    pool = await source.pool_state(pool_address, block)
    vault = await source.vault_state(vault_address, "liquidity_manager", pool_address, block)
    await source.close()
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from loguru import logger

from simulator.events import PoolEvent
from validator.chain.abi import checksum
from validator.chain.errors import RpcResponseError
from validator.chain.logs import LogBatch, fetch_pool_events
from validator.chain.pool_reader import block_header, read_pool_info, read_pool_state
from validator.chain.rpc import RpcClient
from validator.chain.stakes import Gauge, TokenTicks, read_gauge
from validator.chain.types import PoolInfo, PoolState, VaultState
from validator.chain.vaults import VAULT_KINDS, read_eoa_vault, read_liquidity_manager_vault

BASE_UNISWAP_V3_NPM = "0x03a520b32C04BF3bEEf7BEb72E919cf822Ed34f1"
BASE_SLIPSTREAM_NPM = "0x827922686190790b37229fd06084350E74485b72"
_DEFAULT_NPMS = MappingProxyType({"uniswap-v3": BASE_UNISWAP_V3_NPM, "slipstream": BASE_SLIPSTREAM_NPM})


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """``confirmations`` (blocks behind the node's head), ``poll_interval_s`` (seconds between head
    polls), ``max_log_range`` (blocks per eth_getLogs window), ``max_bitmap_words`` (bound of the
    tick bitmap scan), ``position_managers`` (NonfungiblePositionManager per pool kind, for EOA vaults)."""

    confirmations: int = 3
    poll_interval_s: float = 2.0
    max_log_range: int = 2000
    max_bitmap_words: int = 1024
    position_managers: Mapping[str, str] = field(default_factory=lambda: _DEFAULT_NPMS)


class LiveChainSource:
    """A ``ChainSource`` over JSON-RPC (see the module docstring)."""

    def __init__(self, rpc: RpcClient, options: LiveOptions | None = None) -> None:
        self.rpc = rpc
        self.options = options or LiveOptions()
        self._pools: dict[str, PoolInfo] = {}
        self._gauges: dict[str, Gauge] = {}
        self.token_ticks = TokenTicks()
        """tokenId -> ticks of staked positions, shared by every read of this source (they never change)."""

    async def head_block(self) -> int:
        latest = int(str(await self.rpc.call("eth_blockNumber", [])), 16)
        return max(0, latest - self.options.confirmations)

    async def wait_for_block(self, block_number: int) -> int:
        while True:
            head = await self.head_block()
            if head >= block_number:
                return head
            await asyncio.sleep(self.options.poll_interval_s)

    async def pool_state(self, pool: str, block_number: int) -> PoolState:
        known = self._pools.get(checksum(pool))
        state = await read_pool_state(self.rpc, pool, block_number, max_words=self.options.max_bitmap_words,
                                      decimals=(known.decimals0, known.decimals1) if known else None)
        self._pools[state.info.address] = state.info
        return state

    async def pool_info(self, pool: str, block_number: int) -> PoolInfo:
        """Tokens, decimals, fee, spacing and kind (cached after the first read)."""
        address = checksum(pool)
        if address not in self._pools:
            self._pools[address] = await read_pool_info(self.rpc, address, block_number)
        return self._pools[address]

    async def vault_state(self, vault: str, kind: str, pool: str, block_number: int) -> VaultState:
        if kind not in VAULT_KINDS:
            raise RpcResponseError(f"unknown vault kind {kind!r}; expected one of {VAULT_KINDS}")
        info = await self.pool_info(pool, block_number)
        if kind == "liquidity_manager":
            return await read_liquidity_manager_vault(self.rpc, vault, info, block_number)
        npm = self.options.position_managers.get(info.kind)
        if npm is None:
            raise RpcResponseError(f"no NonfungiblePositionManager configured for {info.kind} pools")
        return await read_eoa_vault(self.rpc, vault, checksum(npm), info, block_number)

    async def pool_events(self, pool: str, from_block: int, to_block: int) -> list[PoolEvent]:
        """The pool's events; on a Slipstream pool with a gauge, its stakes among them (``StakeEvent``:
        CLPool.stake emits no pool event, see ``validator.chain.stakes``)."""
        if to_block < from_block:
            return []
        return (await self.pool_log_batch(pool, from_block, to_block, max_range=self.options.max_log_range)).events

    async def pool_log_batch(self, pool: str, from_block: int, to_block: int, *, max_range: int) -> LogBatch:
        """``pool_events`` with the hashes of the blocks that had one (the indexer stores those);
        ``max_range`` blocks per eth_getLogs."""
        gauge = None
        if (await self.pool_info(pool, to_block)).kind == "slipstream":
            gauge = await self.gauge(pool, to_block)
        return await fetch_pool_events(self.rpc, pool, from_block, to_block, max_range=max_range, gauge=gauge,
                                       token_ticks=self.token_ticks)

    async def gauge(self, pool: str, block_number: int) -> Gauge | None:
        """A Slipstream pool's gauge, or None while it has none. The gauge factory sets a pool's gauge
        once and never changes it, so a gauge found is cached; no gauge is asked again next time."""
        address = checksum(pool)
        if address not in self._gauges:
            gauge = await read_gauge(self.rpc, address, block_number)
            if gauge is None:
                return None
            logger.info("pool {}: gauge {} (position manager {})", address, gauge.address, gauge.nft)
            self._gauges[address] = gauge
        return self._gauges[address]

    async def block_timestamp(self, block_number: int) -> int:
        return (await self._header(block_number))[1]

    async def block_hash(self, block_number: int) -> str:
        """The canonical hash of ``block_number`` (the indexer's reorg check)."""
        return (await self._header(block_number))[0]

    async def _header(self, block_number: int) -> tuple[str, int]:
        raw = await self.rpc.call("eth_getBlockByNumber", [hex(block_number), False])
        return block_header(raw, block_number)

    async def close(self) -> None:
        await self.rpc.close()
