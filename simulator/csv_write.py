"""Writes pool histories as a CSV folder in the layout ``simulator.csv_events`` reads (the layout of
``uniswap-v3-mainnet-day1/``): a round trip through these files is exact. Collect events are not
part of that layout (they move no price and no liquidity) and are left out."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from simulator.csv_events import FACTORY_FILE, INITIALIZE_FILE, MINT_BURN_FILE, SWAP_FILE, PoolHistory
from simulator.events import BurnEvent, MintEvent, SwapEvent

_WHERE = ["chain_name", "address", "block_timestamp", "block_number", "transaction_hash", "log_index"]


def _time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000000Z")


def _write(path: Path, header: list[str], rows: Iterable[list[object]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_event_tables(histories: Iterable[PoolHistory], folder: Path, chain_name: str = "base") -> dict[str, int]:
    """Write every history into ``folder``; returns the rows written per file."""
    histories = list(histories)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {
        FACTORY_FILE: _write(folder / FACTORY_FILE, ["chain_name", "block_timestamp", "block_number", "transaction_hash",
                                                     "log_index", "token0", "token1", "fee", "tickSpacing", "pool"],
                             ([chain_name, _time(0), h.metadata.creation_block or 0, "", 0, h.metadata.token0 or "",
                               h.metadata.token1 or "", h.metadata.fee, h.metadata.tick_spacing, h.metadata.pool]
                              for h in histories)),
        INITIALIZE_FILE: _write(folder / INITIALIZE_FILE, [*_WHERE, "sqrtPriceX96", "tick"],
                                ([chain_name, i.pool, _time(i.timestamp), i.block_number, i.tx_hash, i.log_index,
                                  i.sqrt_price_x96, i.tick]
                                 for h in histories if (i := h.initialize) is not None)),
    }
    events = [e for h in histories for e in h.events]
    counts[MINT_BURN_FILE] = _write(
        folder / MINT_BURN_FILE, [*_WHERE, "amount", "amount0", "amount1", "owner", "tick_lower", "tick_upper",
                                  "type_of_event"],
        ([chain_name, e.pool, _time(e.timestamp), e.block_number, e.tx_hash, e.log_index, e.liquidity, e.amount0,
          e.amount1, e.owner, e.tick_lower, e.tick_upper, 1 if isinstance(e, MintEvent) else -1]
         for e in events if isinstance(e, (MintEvent, BurnEvent))))
    counts[SWAP_FILE] = _write(
        folder / SWAP_FILE, [*_WHERE, "sender", "recipient", "amount0", "amount1", "sqrtPriceX96", "liquidity", "tick"],
        ([chain_name, e.pool, _time(e.timestamp), e.block_number, e.tx_hash, e.log_index, e.sender, e.recipient,
          e.amount0, e.amount1, e.sqrt_price_x96, e.liquidity, e.tick]
         for e in events if isinstance(e, SwapEvent)))
    return counts
