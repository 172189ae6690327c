"""What the indexer must store, decoded independently with web3 contract event objects."""

from __future__ import annotations

from typing import Any

from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import contract_at
from simulator.events import BurnEvent, CollectEvent, MintEvent, PoolEvent, SwapEvent

KINDS = ("Swap", "Mint", "Burn", "Collect")


def chain_logs(chain: Devchain, pool: str, to_block: int | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Per kind, every log of ``pool`` as a comparable tuple (block, log index, tx, values..., timestamp)."""
    contract = contract_at(chain.w3, "UniswapV3Pool", pool)
    stamps: dict[int, int] = {}
    out: dict[str, list[tuple[Any, ...]]] = {}
    for kind in KINDS:
        rows = []
        for log in getattr(contract.events, kind)().get_logs(from_block=0, to_block=to_block or "latest"):
            block = int(log["blockNumber"])
            if block not in stamps:
                stamps[block] = int(chain.w3.eth.get_block(block)["timestamp"])
            a = log["args"]
            head = (block, int(log["logIndex"]), "0x" + log["transactionHash"].hex().removeprefix("0x"))
            if kind == "Swap":
                values: tuple[Any, ...] = (a["amount0"], a["amount1"], a["sqrtPriceX96"], a["liquidity"], a["tick"],
                                           a["sender"], a["recipient"])
            elif kind == "Mint":
                values = (a["owner"], a["sender"], a["tickLower"], a["tickUpper"], a["amount"], a["amount0"], a["amount1"])
            elif kind == "Burn":
                values = (a["owner"], a["tickLower"], a["tickUpper"], a["amount"], a["amount0"], a["amount1"])
            else:
                values = (a["owner"], a["recipient"], a["tickLower"], a["tickUpper"], a["amount0"], a["amount1"])
            rows.append((*head, *values, stamps[block]))
        out[kind] = sorted(rows)
    return out


def stored(events: tuple[PoolEvent, ...] | list[PoolEvent]) -> dict[str, list[tuple[Any, ...]]]:
    """The same tuples from stored (or source) events."""
    out: dict[str, list[tuple[Any, ...]]] = {kind: [] for kind in KINDS}
    for e in events:
        head = (e.block_number, e.log_index, e.tx_hash)
        if isinstance(e, SwapEvent):
            out["Swap"].append((*head, e.amount0, e.amount1, e.sqrt_price_x96, e.liquidity, e.tick, e.sender,
                                e.recipient, e.timestamp))
        elif isinstance(e, MintEvent):
            out["Mint"].append((*head, e.owner, e.sender, e.tick_lower, e.tick_upper, e.liquidity, e.amount0,
                                e.amount1, e.timestamp))
        elif isinstance(e, BurnEvent):
            out["Burn"].append((*head, e.owner, e.tick_lower, e.tick_upper, e.liquidity, e.amount0, e.amount1,
                                e.timestamp))
        elif isinstance(e, CollectEvent):
            out["Collect"].append((*head, e.owner, e.recipient, e.tick_lower, e.tick_upper, e.amount0, e.amount1,
                                   e.timestamp))
    return {k: sorted(v) for k, v in out.items()}
