"""Read a pool's Initialize/Mint/Burn/Swap logs with web3 eth_getLogs and rebuild what they imply."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from scripts.devchain.encoding import contract_at

_KINDS = ("Initialize", "Mint", "Burn", "Swap")


@dataclass(frozen=True)
class PoolLog:
    """One decoded pool event in chain order."""

    kind: str
    block: int
    log_index: int
    args: dict[str, Any]


@dataclass
class ImpliedState:
    """Pool state implied by the events: price from the last Swap/Initialize, liquidity from the curve."""

    sqrt_price_x96: int = 0
    tick: int = 0
    liquidity_net: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    swaps_with_wrong_liquidity: list[tuple[int, int, int, int]] = field(default_factory=list)
    tick_crossings: int = 0

    def active_liquidity(self, tick: int) -> int:
        """Sum of liquidityNet over initialized ticks <= tick (the pool's in-range liquidity)."""
        return sum(net for t, net in self.liquidity_net.items() if t <= tick)


def read_pool_logs(w3: Web3, pool: str, from_block: int = 0) -> list[PoolLog]:
    """All Initialize/Mint/Burn/Swap logs of `pool` from `from_block`, ordered by (block, log index)."""
    contract = contract_at(w3, "UniswapV3Pool", pool)
    out = []
    for kind in _KINDS:
        event = getattr(contract.events, kind)()
        for log in event.get_logs(from_block=from_block, to_block="latest"):
            out.append(PoolLog(kind, int(log["blockNumber"]), int(log["logIndex"]), dict(log["args"])))
    return sorted(out, key=lambda e: (e.block, e.log_index))


def implied_state(logs: list[PoolLog]) -> ImpliedState:
    """Replay the liquidity curve and the price; check every Swap's liquidity against the curve."""
    state = ImpliedState()
    previous_swap_liquidity: int | None = None
    for log in logs:
        a = log.args
        if log.kind == "Initialize":
            state.sqrt_price_x96, state.tick = a["sqrtPriceX96"], a["tick"]
        elif log.kind in ("Mint", "Burn"):
            sign = 1 if log.kind == "Mint" else -1
            state.liquidity_net[a["tickLower"]] += sign * a["amount"]
            state.liquidity_net[a["tickUpper"]] -= sign * a["amount"]
            previous_swap_liquidity = None
        else:
            state.sqrt_price_x96, state.tick = a["sqrtPriceX96"], a["tick"]
            expected = state.active_liquidity(a["tick"])
            if expected != a["liquidity"]:
                state.swaps_with_wrong_liquidity.append((log.block, log.log_index, a["liquidity"], expected))
            if previous_swap_liquidity is not None and previous_swap_liquidity != a["liquidity"]:
                state.tick_crossings += 1
            previous_swap_liquidity = a["liquidity"]
    return state
