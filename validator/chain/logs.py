"""Pool events from ``eth_getLogs``: windows of at most ``max_range`` blocks, halved on "too many results".

``fetch_pool_events`` reads Swap/Mint/Burn/Collect/SetFeeProtocol/Initialize logs of one pool over a block
range, then the headers of the blocks that have logs (for timestamps, and to check every log's
block hash against the canonical header: a log from a block that was reorged away is refused).
Windows go out several per batched request. Events come back as the simulator's records, in
(block, log_index) order; amounts raw, prices Q64.96. Given a Slipstream pool's gauge, the same
requests (one filter over both addresses) also read the gauge's Deposit/Withdraw logs, and the
stakes they and the gauge-owned Mint/Burn imply come back among the events (``stakes.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from simulator.events import (
    BurnEvent,
    CollectEvent,
    FeeProtocolChange,
    MintEvent,
    PoolEvent,
    PoolInitialize,
    SwapEvent,
    event_order,
)
from validator.chain.abi import checksum, contract
from validator.chain.errors import ChainError, RpcRangeError, RpcResponseError
from validator.chain.pool_reader import block_header
from validator.chain.rpc import RpcClient
from validator.chain.stakes import Gauge, GaugeLog, TokenTicks, decode_gauge_log, gauge_stakes, gauge_topics, implied_stakes

EVENT_NAMES = ("Swap", "Mint", "Burn", "Collect", "SetFeeProtocol", "Initialize")
WINDOWS_PER_REQUEST = 4


def _topics() -> list[str]:
    pool = contract("UniswapV3Pool")
    return [pool.event(name).topic for name in EVENT_NAMES]


@dataclass(frozen=True, slots=True)
class LogBatch:
    """Events of a block range plus the canonical hash of every block that had one."""

    events: list[PoolEvent]
    block_hashes: dict[int, str]


def windows(from_block: int, to_block: int, max_range: int) -> list[tuple[int, int]]:
    """Consecutive inclusive windows of at most ``max_range`` blocks covering the range."""
    return [(start, min(start + max_range - 1, to_block)) for start in range(from_block, to_block + 1, max_range)]


async def fetch_raw_logs(
    rpc: RpcClient, addresses: Sequence[str], topics: Sequence[str], from_block: int, to_block: int, max_range: int
) -> list[dict[str, Any]]:
    """Every raw log with one of ``topics`` (topic0) from ``addresses`` in the range; a window whose
    answer is too large is halved until it fits (a single block still too large raises ``RpcRangeError``)."""
    pending = deque(windows(from_block, to_block, max_range))
    where: str | list[str] = addresses[0] if len(addresses) == 1 else list(addresses)
    logs: list[dict[str, Any]] = []
    while pending:
        group = [pending.popleft() for _ in range(min(WINDOWS_PER_REQUEST, len(pending)))]
        calls = [("eth_getLogs", [{"address": where, "fromBlock": hex(a), "toBlock": hex(b), "topics": [list(topics)]}])
                 for a, b in group]
        outcomes = await rpc.batch_outcomes(calls)
        for (a, b), outcome in reversed(list(zip(group, outcomes))):
            if isinstance(outcome, RpcRangeError):
                if a == b:
                    raise RpcRangeError(f"block {a} alone has too many logs for the endpoint: {outcome}")
                middle = (a + b) // 2
                pending.appendleft((middle + 1, b))
                pending.appendleft((a, middle))
            elif isinstance(outcome, ChainError):
                raise outcome
            else:
                logs.extend(_checked_logs(outcome, addresses, a, b))
    return logs


def _checked_logs(outcome: Any, addresses: Sequence[str], a: int, b: int) -> list[dict[str, Any]]:
    if not isinstance(outcome, list):
        raise RpcResponseError(f"eth_getLogs [{a}, {b}]: expected a list, got {type(outcome).__name__}")
    wanted = {address.lower() for address in addresses}
    for log in outcome:
        if not isinstance(log, dict) or str(log.get("address", "")).lower() not in wanted:
            raise RpcResponseError(f"eth_getLogs [{a}, {b}]: a log from another address or of a wrong shape")
        if log.get("removed"):
            raise RpcResponseError(f"eth_getLogs [{a}, {b}]: a removed log (reorg under way)")
        if not a <= int(str(log.get("blockNumber", "0x-1")), 16) <= b:
            raise RpcResponseError(f"eth_getLogs [{a}, {b}]: a log outside the range")
    return outcome


async def fetch_pool_events(
    rpc: RpcClient,
    pool: str,
    from_block: int,
    to_block: int,
    *,
    max_range: int,
    gauge: Gauge | None = None,
    token_ticks: TokenTicks | None = None,
) -> LogBatch:
    """Decoded events of ``pool`` in ``[from_block, to_block]`` with timestamps from the block headers;
    with its ``gauge``, the window's stakes too (``token_ticks``: the tokenId -> ticks cache to use)."""
    address = checksum(pool)
    addresses, topics = [address], _topics()
    if gauge is not None:
        addresses, topics = [address, gauge.address], topics + gauge_topics()
    raw = await fetch_raw_logs(rpc, addresses, topics, from_block, to_block, max_range)
    stamps, hashes = await _block_headers(rpc, raw)
    events: list[PoolEvent] = []
    gauge_logs: list[GaugeLog] = []
    for log in raw:
        number = int(log["blockNumber"], 16)
        if str(log["address"]).lower() == address.lower():
            events.append(decode_pool_log(log, address.lower(), stamps[number]))
        else:
            gauge_logs.append(decode_gauge_log(log, stamps[number]))
    if gauge is not None:
        gauge_logs.sort(key=lambda g: (g.block_number, g.log_index))
        staked = await gauge_stakes(rpc, address.lower(), gauge, gauge_logs, token_ticks or TokenTicks())
        events += staked + implied_stakes(events, gauge)
    events.sort(key=event_order)
    return LogBatch(events=events, block_hashes=hashes)


async def _block_headers(rpc: RpcClient, raw: Sequence[dict[str, Any]]) -> tuple[dict[int, int], dict[int, str]]:
    """Timestamps and canonical hashes of the blocks of ``raw``, each log's block hash checked against them."""
    blocks = sorted({int(log["blockNumber"], 16) for log in raw})
    headers = await rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in blocks])
    hashes: dict[int, str] = {}
    stamps: dict[int, int] = {}
    for number, header in zip(blocks, headers):
        hashes[number], stamps[number] = block_header(header, number)
    for log in raw:
        number = int(log["blockNumber"], 16)
        if str(log.get("blockHash", "")).lower() != hashes[number].lower():
            raise RpcResponseError(f"log in block {number} has hash {log.get('blockHash')}, canonical is {hashes[number]}")
    return stamps, hashes


def decode_pool_log(log: dict[str, Any], pool: str, timestamp: int) -> PoolEvent:
    """One raw pool log as a simulator event record (``pool`` lowercase, as the events DB keys it)."""
    name, v = contract("UniswapV3Pool").decode_log(log, EVENT_NAMES)
    common: dict[str, Any] = {"pool": pool, "block_number": int(log["blockNumber"], 16),
                              "log_index": int(log["logIndex"], 16), "tx_hash": str(log["transactionHash"]).lower(),
                              "timestamp": timestamp}
    return _event(name, v, common)


def _event(name: str, v: dict[str, Any], common: dict[str, Any]) -> PoolEvent:
    if name == "Swap":
        return SwapEvent(**common, amount0=v["amount0"], amount1=v["amount1"], sqrt_price_x96=v["sqrtPriceX96"],
                         liquidity=v["liquidity"], tick=v["tick"], sender=checksum(v["sender"]),
                         recipient=checksum(v["recipient"]))
    if name == "Mint":
        return MintEvent(**common, owner=checksum(v["owner"]), tick_lower=v["tickLower"], tick_upper=v["tickUpper"],
                         liquidity=v["amount"], amount0=v["amount0"], amount1=v["amount1"], sender=checksum(v["sender"]))
    if name == "Burn":
        return BurnEvent(**common, owner=checksum(v["owner"]), tick_lower=v["tickLower"], tick_upper=v["tickUpper"],
                         liquidity=v["amount"], amount0=v["amount0"], amount1=v["amount1"])
    if name == "Collect":
        return CollectEvent(**common, owner=checksum(v["owner"]), recipient=checksum(v["recipient"]),
                            tick_lower=v["tickLower"], tick_upper=v["tickUpper"], amount0=v["amount0"],
                            amount1=v["amount1"])
    if name == "Initialize":
        return PoolInitialize(**common, sqrt_price_x96=v["sqrtPriceX96"], tick=v["tick"])
    return FeeProtocolChange(**common, fee_protocol0=v["feeProtocol0New"], fee_protocol1=v["feeProtocol1New"])


def count_by_kind(events: Sequence[PoolEvent]) -> dict[str, int]:
    """Events per record type name (for logs and progress)."""
    out: dict[str, int] = {}
    for event in events:
        out[type(event).__name__] = out.get(type(event).__name__, 0) + 1
    return out
