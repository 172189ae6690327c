"""Transaction builders for what accounts do on the devchain (raw token units, Q64.96 limits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scripts.devchain.deployment import PoolInfo
from scripts.devchain.encoding import calldata, event_topic, word_ints
from scripts.devchain.rpc import Tx

__all__ = [
    "MAX_UINT128",
    "MAX_UINT256",
    "MintedPosition",
    "approve",
    "collect_all",
    "decrease_liquidity",
    "exact_input",
    "exact_output",
    "mint_tokens",
    "minted_positions",
    "npm_mint",
]

MAX_UINT128 = (1 << 128) - 1
MAX_UINT256 = (1 << 256) - 1
DEADLINE = 1 << 62  # far future (unix seconds): the devchain never tests deadlines
_INCREASE_LIQUIDITY = event_topic("IncreaseLiquidity(uint256,uint128,uint256,uint256)")


@dataclass(frozen=True)
class MintedPosition:
    """An NPM position created by a mint: token id, liquidity and the raw token amounts paid."""

    token_id: int
    liquidity: int
    amount0: int
    amount1: int


def mint_tokens(minter: str, token: str, to: str, amount: int) -> Tx:
    """DevToken.mint by its deployer (raw units)."""
    return Tx(minter, token, calldata("DevToken", "mint", to, amount), gas=100_000)


def approve(owner: str, token: str, spender: str, amount: int = MAX_UINT256) -> Tx:
    return Tx(owner, token, calldata("DevToken", "approve", spender, amount), gas=100_000)


def npm_mint(
    npm: str, pool: PoolInfo, sender: str, lower: int, upper: int, desired: tuple[int, int], recipient: str
) -> Tx:
    """NonfungiblePositionManager.mint with no slippage bounds (the NPM takes what fits the price)."""
    params = (
        pool.token0, pool.token1, pool.fee, lower, upper, desired[0], desired[1], 0, 0, recipient, DEADLINE,
    )
    return Tx(sender, npm, calldata("NonfungiblePositionManager", "mint", params), gas=1_000_000)


def decrease_liquidity(npm: str, owner: str, token_id: int, liquidity: int) -> Tx:
    """Burn `liquidity` of an NPM position (emits the pool's Burn)."""
    params = (token_id, liquidity, 0, 0, DEADLINE)
    data = calldata("NonfungiblePositionManager", "decreaseLiquidity", params)
    return Tx(owner, npm, data, gas=500_000)


def collect_all(npm: str, owner: str, token_id: int) -> Tx:
    """Collect everything owed to an NPM position to its owner (emits the pool's Collect)."""
    params = (token_id, owner, MAX_UINT128, MAX_UINT128)
    return Tx(owner, npm, calldata("NonfungiblePositionManager", "collect", params), gas=500_000)


def exact_input(
    router: str, pool: PoolInfo, trader: str, zero_for_one: bool, amount_in: int, limit_x96: int
) -> Tx:
    """SwapRouter.exactInputSingle; stops early at `limit_x96` (Q64.96) if the price reaches it."""
    token_in, token_out = _direction(pool, zero_for_one)
    params = (token_in, token_out, pool.fee, trader, DEADLINE, amount_in, 0, limit_x96)
    return Tx(trader, router, calldata("SwapRouter", "exactInputSingle", params), gas=3_000_000)


def exact_output(
    router: str, pool: PoolInfo, trader: str, zero_for_one: bool, amount_out: int, limit_x96: int
) -> Tx:
    """SwapRouter.exactOutputSingle with a price limit (a non-zero limit allows a partial fill)."""
    token_in, token_out = _direction(pool, zero_for_one)
    params = (token_in, token_out, pool.fee, trader, DEADLINE, amount_out, MAX_UINT256, limit_x96)
    return Tx(trader, router, calldata("SwapRouter", "exactOutputSingle", params), gas=3_000_000)


def _direction(pool: PoolInfo, zero_for_one: bool) -> tuple[str, str]:
    return (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)


def minted_positions(receipts: Sequence[dict[str, Any]], position_manager: str) -> list[MintedPosition]:
    """The positions created or increased in these receipts (from the NPM's IncreaseLiquidity logs)."""
    out = []
    for receipt in receipts:
        for log in receipt["logs"]:
            if log["address"].lower() != position_manager.lower() or log["topics"][0] != _INCREASE_LIQUIDITY:
                continue
            liquidity, amount0, amount1 = word_ints(log["data"], signed=(False, False, False))
            out.append(MintedPosition(int(log["topics"][1], 16), liquidity, amount0, amount1))
    return out
