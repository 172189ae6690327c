"""A pool's full state pinned to one block, in three batched rounds of calls.

Round 1: slot0, liquidity, fee, tickSpacing, tokens, fee growth globals, protocol fees (Uniswap) or
unstaked fee and staked liquidity (Slipstream), and the block header. The pool kind is told from
slot0's return size (7 words Uniswap V3, 6 Slipstream). Round 2: token decimals (unless the caller
knows them) and the tick bitmap words. Round 3: ``ticks(t)`` of every initialized tick. Amounts raw,
prices Q64.96.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from simulator.pool import PoolSnapshot, TickSnapshot
from validator.chain.abi import Function, checksum, contract
from validator.chain.errors import ChainError, RpcResponseError
from validator.chain.rpc import RpcClient
from validator.chain.ticks import TickScan, eth_call, scan_ticks
from validator.chain.types import PoolInfo, PoolState

_SLOT0_WORDS_UNISWAP = 7
_SLOT0_WORDS_SLIPSTREAM = 6
_ROUND1 = ("slot0", "liquidity", "fee", "tickSpacing", "token0", "token1", "feeGrowthGlobal0X128",
           "feeGrowthGlobal1X128")


@dataclass(frozen=True, slots=True)
class _Head:
    """What round 1 read."""

    kind: str
    sqrt_price_x96: int
    tick: int
    fee_protocol: int
    values: dict[str, Any]
    timestamp: int


def block_header(raw: Any, block_number: int) -> tuple[str, int]:
    """(hash, unix seconds) of an ``eth_getBlockByNumber`` answer."""
    if not isinstance(raw, dict) or int(str(raw.get("number", "0x-1")), 16) != block_number:
        raise RpcResponseError(f"block {block_number}: header missing or for another block")
    try:
        return str(raw["hash"]), int(str(raw["timestamp"]), 16)
    except (KeyError, ValueError):
        raise RpcResponseError(f"block {block_number}: header without hash or timestamp") from None


async def _round1(rpc: RpcClient, pool: str, block_number: int) -> _Head:
    uni, slip = contract("UniswapV3Pool"), contract("SlipstreamCLPool")
    calls = [eth_call(pool, uni.fn(name).calldata(), block_number) for name in _ROUND1]
    calls += [eth_call(pool, uni.fn("protocolFees").calldata(), block_number),
              eth_call(pool, slip.fn("unstakedFee").calldata(), block_number),
              eth_call(pool, slip.fn("stakedLiquidity").calldata(), block_number),
              ("eth_getBlockByNumber", [hex(block_number), False])]
    outcomes = await rpc.batch_outcomes(calls)
    for name, outcome in zip(_ROUND1, outcomes):
        if isinstance(outcome, ChainError):
            raise RpcResponseError(f"pool {pool}: {name}() failed at block {block_number}: {outcome}")
    slot0_raw = str(outcomes[0])
    words = (len(slot0_raw) - 2) // 64
    kind = {_SLOT0_WORDS_UNISWAP: "uniswap-v3", _SLOT0_WORDS_SLIPSTREAM: "slipstream"}.get(words)
    if kind is None:
        raise RpcResponseError(f"pool {pool}: slot0 returned {words} words; not a Uniswap V3 or Slipstream pool")
    abi = uni if kind == "uniswap-v3" else slip
    slot0 = abi.fn("slot0").decode(slot0_raw)
    values = {name: uni.fn(name).decode(str(raw))[0] for name, raw in zip(_ROUND1[1:], outcomes[1:8])}
    if kind == "uniswap-v3":
        values["protocolFees"] = _optional(uni.fn("protocolFees"), outcomes[8]) or (0, 0)
    else:
        values["unstakedFee"] = (_optional(slip.fn("unstakedFee"), outcomes[9]) or (0,))[0]
        values["stakedLiquidity"] = (_optional(slip.fn("stakedLiquidity"), outcomes[10]) or (0,))[0]
    _, timestamp = block_header(outcomes[11], block_number)
    fee_protocol = int(slot0[5]) if kind == "uniswap-v3" else 0
    return _Head(kind, int(slot0[0]), int(slot0[1]), fee_protocol, values, timestamp)


def _optional(fn: Function, outcome: Any) -> tuple[Any, ...] | None:
    """A call that may revert on this pool kind: its decoded result, or None."""
    if isinstance(outcome, ChainError):
        return None
    return fn.decode(str(outcome))


async def _decimals(rpc: RpcClient, tokens: tuple[str, str], block_number: int) -> tuple[int, int]:
    fn = contract("ERC20").fn("decimals")
    raws = await rpc.batch([eth_call(t, fn.calldata(), block_number) for t in tokens])
    d0, d1 = (int(fn.decode(str(raw))[0]) for raw in raws)
    return d0, d1


async def read_pool_info(rpc: RpcClient, pool: str, block_number: int) -> PoolInfo:
    """Identity of the pool (tokens, decimals, fee, spacing, kind) without the tick scan: two rounds."""
    address = checksum(pool)
    head = await _round1(rpc, address, block_number)
    tokens = (checksum(head.values["token0"]), checksum(head.values["token1"]))
    decimals = await _decimals(rpc, tokens, block_number)
    return _info(address, head, tokens, decimals)


def _info(address: str, head: _Head, tokens: tuple[str, str], decimals: tuple[int, int]) -> PoolInfo:
    return PoolInfo(address=address, token0=tokens[0], token1=tokens[1], decimals0=decimals[0],
                    decimals1=decimals[1], fee=int(head.values["fee"]), tick_spacing=int(head.values["tickSpacing"]),
                    kind=head.kind)


async def read_pool_state(
    rpc: RpcClient, pool: str, block_number: int, *, max_words: int, decimals: tuple[int, int] | None = None
) -> PoolState:
    """The pool's state at ``block_number`` (see the module docstring); ``decimals``, when the caller
    knows them (they never change), are not read again."""
    address = checksum(pool)
    head = await _round1(rpc, address, block_number)
    v = head.values
    spacing, tokens = int(v["tickSpacing"]), (checksum(v["token0"]), checksum(v["token1"]))
    decimals, scan = await _gather(rpc, address, tokens, block_number, spacing, head, max_words, decimals)
    _check_liquidity(address, scan, head.tick, int(v["liquidity"]))
    slip = head.kind == "slipstream"
    snapshot = PoolSnapshot(
        sqrt_price_x96=head.sqrt_price_x96, tick=head.tick, liquidity=int(v["liquidity"]), fee=int(v["fee"]),
        tick_spacing=spacing,
        # each tick's stakedLiquidityNet goes into the snapshot: crossing a tick moves CLPool's
        # stakedLiquidity by it, and the replay's gauge/LP fee split depends on that
        ticks={t: TickSnapshot(r.liquidity_net, r.liquidity_gross, r.fee_growth_outside0_x128,
                               r.fee_growth_outside1_x128, r.staked_liquidity_net)
               for t, r in sorted(scan.ticks.items())},
        fee_protocol=head.fee_protocol, fee_growth_global0_x128=int(v["feeGrowthGlobal0X128"]),
        fee_growth_global1_x128=int(v["feeGrowthGlobal1X128"]),
        protocol_fees0=0 if slip else int(v["protocolFees"][0]), protocol_fees1=0 if slip else int(v["protocolFees"][1]),
        block_number=block_number, unstaked_fee=int(v["unstakedFee"]) if slip else None,
        staked_liquidity=int(v["stakedLiquidity"]) if slip else 0,
    )
    return PoolState(info=_info(address, head, tokens, decimals), snapshot=snapshot, block_number=block_number,
                     block_timestamp=head.timestamp, scanned_tick_lower=scan.tick_lower,
                     scanned_tick_upper=scan.tick_upper)


async def _gather(
    rpc: RpcClient, pool: str, tokens: tuple[str, str], block_number: int, spacing: int, head: _Head, max_words: int,
    known_decimals: tuple[int, int] | None,
) -> tuple[tuple[int, int], TickScan]:
    """Round 2 and 3: decimals (unless known) alongside the bitmap scan (both need only round 1's answers)."""
    scan = scan_ticks(rpc, pool, block_number, spacing, head.tick, slipstream=head.kind == "slipstream",
                      max_words=max_words)
    if known_decimals is not None:
        return known_decimals, await scan
    return await asyncio.gather(_decimals(rpc, tokens, block_number), scan)


def _check_liquidity(pool: str, scan: TickScan, tick: int, liquidity: int) -> None:
    """With every tick read, the active liquidity must equal the sum of liquidityNet at or below the tick."""
    if not scan.complete:
        return
    implied = sum(r.liquidity_net for t, r in scan.ticks.items() if t <= tick)
    if implied != liquidity:
        raise RpcResponseError(f"pool {pool}: ticks imply liquidity {implied}, pool reports {liquidity}")
