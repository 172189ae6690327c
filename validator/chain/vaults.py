"""A vault's positions in one pool and its idle tokens, pinned to one block.

Two kinds, three batched rounds each:

* ``eoa``: the vault owns NonfungiblePositionManager NFTs. ``balanceOf`` and the vault's ERC-20
  balances (idle tokens), then ``tokenOfOwnerByIndex`` for each NFT, then ``positions(id)``.
* ``liquidity_manager`` (SN98's contract): which of the pool's tokens is the AK token
  (``akAddressToPoolManager`` non-zero; the call reverts for unregistered tokens on mainnet),
  then ``akToStashedTokens(ak, token)`` (idle tokens), ``akAddressToPositionManager(ak)``'s
  ``tokenIds()`` and ``nftManager()``, then ``positions(id)`` on that NPM.

Positions of other pools (same NPM, other tokens or fee / tick spacing) are left out, as are
closed positions (no liquidity, nothing owed). Amounts are raw token units.
"""

from __future__ import annotations

from typing import Any

from validator.chain.abi import Function, checksum, contract
from validator.chain.errors import ChainError, RpcResponseError
from validator.chain.rpc import RpcClient
from validator.chain.ticks import eth_call
from validator.chain.types import PoolInfo, VaultPosition, VaultState

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
VAULT_KINDS = ("eoa", "liquidity_manager")


class VaultError(RpcResponseError):
    """The vault does not answer as its kind should (e.g. no AK token registered for the pool)."""


def _npm_abi(pool: PoolInfo) -> str:
    return "SlipstreamNonfungiblePositionManager" if pool.kind == "slipstream" else "NonfungiblePositionManager"


async def read_positions(
    rpc: RpcClient, npm: str, token_ids: list[int], pool: PoolInfo, block_number: int
) -> tuple[VaultPosition, ...]:
    """``positions(id)`` of each NFT, keeping the open ones in ``pool``."""
    fn = contract(_npm_abi(pool)).fn("positions")
    raws = await rpc.batch([eth_call(npm, fn.calldata(i), block_number) for i in token_ids])
    out = []
    for token_id, raw in zip(token_ids, raws):
        p = fn.decode(str(raw))
        tokens = (checksum(p[2]), checksum(p[3]))
        same_pool = tokens == (pool.token0, pool.token1) and (
            p[4] == pool.tick_spacing if pool.kind == "slipstream" else p[4] == pool.fee)
        if not same_pool or (p[7] == 0 and p[10] == 0 and p[11] == 0):
            continue
        out.append(VaultPosition(token_id=token_id, tick_lower=p[5], tick_upper=p[6], liquidity=p[7],
                                 tokens_owed0=p[10], tokens_owed1=p[11], fee_growth_inside0_last_x128=p[8],
                                 fee_growth_inside1_last_x128=p[9]))
    return tuple(out)


async def read_eoa_vault(
    rpc: RpcClient, vault: str, npm: str, pool: PoolInfo, block_number: int
) -> VaultState:
    """An EOA (or any contract) that holds NPM NFTs and idle tokens itself."""
    owner = checksum(vault)
    npm_abi, erc20 = contract(_npm_abi(pool)), contract("ERC20")
    count_raw, idle0_raw, idle1_raw = await rpc.batch([
        eth_call(npm, npm_abi.fn("balanceOf").calldata(owner), block_number),
        eth_call(pool.token0, erc20.fn("balanceOf").calldata(owner), block_number),
        eth_call(pool.token1, erc20.fn("balanceOf").calldata(owner), block_number),
    ])
    (count,) = npm_abi.fn("balanceOf").decode(str(count_raw))
    by_index = npm_abi.fn("tokenOfOwnerByIndex")
    id_raws = await rpc.batch([eth_call(npm, by_index.calldata(owner, i), block_number) for i in range(count)])
    token_ids = [int(by_index.decode(str(raw))[0]) for raw in id_raws]
    positions = await read_positions(rpc, npm, token_ids, pool, block_number)
    (idle0,), (idle1,) = erc20.fn("balanceOf").decode(str(idle0_raw)), erc20.fn("balanceOf").decode(str(idle1_raw))
    return VaultState(address=owner, kind="eoa", pool=pool.address, block_number=block_number,
                      positions=positions, idle0=int(idle0), idle1=int(idle1))


async def _ak_token(rpc: RpcClient, manager: str, pool: PoolInfo, block_number: int) -> tuple[str, str]:
    """The pool's token registered as AK and its position manager; exactly one must be registered."""
    lm = contract("LiquidityManager")
    tokens = (pool.token0, pool.token1)
    calls = [eth_call(manager, lm.fn(name).calldata(t), block_number)
             for name in ("akAddressToPoolManager", "akAddressToPositionManager") for t in tokens]
    outcomes = await rpc.batch_outcomes(calls)
    registered = []
    for index, token in enumerate(tokens):
        pool_manager = _address_or_zero(lm.fn("akAddressToPoolManager"), outcomes[index])
        position_manager = _address_or_zero(lm.fn("akAddressToPositionManager"), outcomes[2 + index])
        if pool_manager != ZERO_ADDRESS:
            registered.append((token, position_manager))
    if len(registered) != 1:
        raise VaultError(f"LiquidityManager {manager}: {len(registered)} of the pool's tokens are registered AK "
                         f"tokens (need exactly one)")
    token, position_manager = registered[0]
    if position_manager == ZERO_ADDRESS:
        raise VaultError(f"LiquidityManager {manager}: AK token {token} has no position manager")
    return token, position_manager


def _address_or_zero(fn: Function, outcome: Any) -> str:
    """A mapping read that reverts for unknown keys (or returns nothing: no contract there) counts as
    the zero address."""
    if isinstance(outcome, ChainError):
        if isinstance(outcome, RpcResponseError):
            return ZERO_ADDRESS
        raise outcome
    if outcome == "0x":
        return ZERO_ADDRESS
    return checksum(fn.decode(str(outcome))[0])


async def read_liquidity_manager_vault(
    rpc: RpcClient, manager: str, pool: PoolInfo, block_number: int
) -> VaultState:
    """SN98's LiquidityManager: stashed tokens are the idle inventory; NFTs sit in the AK's position manager."""
    address = checksum(manager)
    ak, position_manager = await _ak_token(rpc, address, pool, block_number)
    lm, pm = contract("LiquidityManager"), contract("LiquidityManagerPositionManager")
    stash0, stash1, ids_raw, npm_raw = await rpc.batch([
        eth_call(address, lm.fn("akToStashedTokens").calldata(ak, pool.token0), block_number),
        eth_call(address, lm.fn("akToStashedTokens").calldata(ak, pool.token1), block_number),
        eth_call(position_manager, pm.fn("tokenIds").calldata(), block_number),
        eth_call(position_manager, pm.fn("nftManager").calldata(), block_number),
    ])
    (token_ids,) = pm.fn("tokenIds").decode(str(ids_raw))
    npm = checksum(pm.fn("nftManager").decode(str(npm_raw))[0])
    positions = await read_positions(rpc, npm, [int(i) for i in token_ids], pool, block_number)
    stashed = lm.fn("akToStashedTokens")
    return VaultState(address=address, kind="liquidity_manager", pool=pool.address, block_number=block_number,
                      positions=positions, idle0=int(stashed.decode(str(stash0))[0]),
                      idle1=int(stashed.decode(str(stash1))[0]))
