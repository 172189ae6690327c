"""Every initialized tick of a pool at one block: a bounded, batched scan of the tick bitmap.

The bitmap packs one bit per usable tick (tick / tickSpacing, floored) into int16-indexed 256-bit
words. A full scan reads every word from MIN_TICK to MAX_TICK: 694 words at spacing 10, 116 at
spacing 60, 6,932 at spacing 1. ``max_words`` bounds it: beyond that, only the ``max_words``
words centred on the current tick are read, and the covered tick range is returned so a caller
can tell when the price leaves it. All words go out in batched ``eth_call``s pinned to the block,
then one ``ticks(t)`` per set bit, also batched.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.tickmath import MAX_TICK, MIN_TICK
from validator.chain.abi import contract
from validator.chain.errors import RpcResponseError
from validator.chain.rpc import Call, RpcClient


@dataclass(frozen=True, slots=True)
class TickRead:
    """``ticks(t)`` of one initialized tick (liquidity in pool units, fee growth Q128.128)."""

    liquidity_gross: int
    liquidity_net: int
    fee_growth_outside0_x128: int
    fee_growth_outside1_x128: int
    staked_liquidity_net: int = 0


@dataclass(frozen=True, slots=True)
class TickScan:
    """The initialized ticks found and the tick range the scanned words cover (inclusive)."""

    ticks: dict[int, TickRead]
    tick_lower: int
    tick_upper: int
    words: int

    @property
    def complete(self) -> bool:
        """True when the scan covered every usable tick."""
        return self.tick_lower <= MIN_TICK and self.tick_upper >= MAX_TICK


def eth_call(to: str, data: str, block_number: int) -> Call:
    """An ``eth_call`` pinned to ``block_number``."""
    return ("eth_call", [{"to": to, "data": data}, hex(block_number)])


def word_range(tick_spacing: int, current_tick: int, max_words: int) -> tuple[int, int]:
    """Inclusive bitmap word positions to read: all of them, or ``max_words`` around the current tick."""
    first = (MIN_TICK // tick_spacing) >> 8
    last = (MAX_TICK // tick_spacing) >> 8
    if last - first + 1 <= max_words:
        return first, last
    centre = (current_tick // tick_spacing) >> 8
    low = max(first, centre - max_words // 2)
    high = min(last, low + max_words - 1)
    return max(first, high - max_words + 1), high


def ticks_in_word(word_position: int, bits: int, tick_spacing: int) -> list[int]:
    """The ticks whose bits are set in one bitmap word, ascending."""
    out = []
    while bits:
        low_bit = bits & -bits
        out.append(((word_position << 8) + low_bit.bit_length() - 1) * tick_spacing)
        bits ^= low_bit
    return out


async def scan_ticks(
    rpc: RpcClient, pool: str, block_number: int, tick_spacing: int, current_tick: int, *,
    slipstream: bool, max_words: int,
) -> TickScan:
    """Read the bitmap words and then every initialized tick of ``pool`` at ``block_number``."""
    abi = contract("SlipstreamCLPool" if slipstream else "UniswapV3Pool")
    first, last = word_range(tick_spacing, current_tick, max_words)
    bitmap = abi.fn("tickBitmap")
    words = await rpc.batch([eth_call(pool, bitmap.calldata(w), block_number) for w in range(first, last + 1)])
    initialized: list[int] = []
    for position, raw in zip(range(first, last + 1), words):
        (bits,) = bitmap.decode(raw)
        initialized.extend(ticks_in_word(position, bits, tick_spacing))
    ticks_fn = abi.fn("ticks")
    raws = await rpc.batch([eth_call(pool, ticks_fn.calldata(t), block_number) for t in initialized])
    ticks = {t: _tick_read(t, ticks_fn.decode(raw), slipstream) for t, raw in zip(initialized, raws)}
    lower = max(MIN_TICK, (first << 8) * tick_spacing)
    upper = min(MAX_TICK, ((last + 1) << 8) * tick_spacing - 1)
    return TickScan(ticks=ticks, tick_lower=lower, tick_upper=upper, words=last - first + 1)


def _tick_read(tick: int, values: tuple[object, ...], slipstream: bool) -> TickRead:
    if slipstream:  # gross, net, stakedNet, fgo0, fgo1, rewardGrowthOutside, ..., initialized
        gross, net, staked, fg0, fg1, initialized = (*values[:5], values[9])
    else:  # gross, net, fgo0, fgo1, tickCumulativeOutside, secondsPerLiquidity, secondsOutside, initialized
        gross, net, fg0, fg1, initialized, staked = (*values[:4], values[7], 0)
    if not initialized or not isinstance(gross, int) or gross <= 0:
        raise RpcResponseError(f"tick {tick} is set in the bitmap but not initialized (liquidityGross {gross})")
    assert isinstance(net, int) and isinstance(fg0, int) and isinstance(fg1, int) and isinstance(staked, int)
    return TickRead(gross, net, fg0, fg1, staked)
