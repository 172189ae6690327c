"""Both vault kinds read at one block on the devchain: positions in the pool and idle tokens."""

from __future__ import annotations

import pytest

from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import contract_at
from tests.chain.support import generate, live_source
from validator.chain.errors import RpcResponseError
from validator.chain.types import VaultPosition, VaultState

pytestmark = pytest.mark.chain


def _npm_positions(chain: Devchain, token_ids: tuple[int, ...], fee: int, block: int) -> tuple[VaultPosition, ...]:
    npm = contract_at(chain.w3, "NonfungiblePositionManager", chain.deployment.position_manager).functions
    out = []
    for token_id in token_ids:
        p = npm.positions(token_id).call(block_identifier=block)
        if p[4] == fee:
            out.append(VaultPosition(token_id, p[5], p[6], p[7], p[10], p[11], p[8], p[9]))
    return tuple(out)


async def _read(chain: Devchain, vault: str, kind: str, pool: str, block: int) -> VaultState:
    source = live_source(chain)
    try:
        return await source.vault_state(vault, kind, pool, block)
    finally:
        await source.close()


@pytest.mark.parametrize("fee", [500, 3000])
async def test_eoa_vault_reads_its_npm_positions_in_the_pool_and_its_token_balances(
    devchain: Devchain, fee: int
) -> None:
    d = devchain.deployment
    pool = d.pool(fee)
    block = devchain.w3.eth.block_number
    vault = await _read(devchain, d.vault.eoa, "eoa", pool.address, block)
    expected = _npm_positions(devchain, d.vault.eoa_token_ids, fee, block)
    assert vault.positions == expected
    assert len(expected) == (2 if fee == 500 else 0)  # both EOA positions are in the 500 pool
    balance = {t: contract_at(devchain.w3, "DevToken", t).functions.balanceOf(d.vault.eoa).call() for t in
               (pool.token0, pool.token1)}
    assert (vault.idle0, vault.idle1) == (balance[pool.token0], balance[pool.token1])
    assert (vault.kind, vault.block_number, vault.pool) == ("eoa", block, pool.address)


@pytest.mark.parametrize("fee", [500, 3000])
async def test_liquidity_manager_vault_reads_stash_and_the_ak_position_managers_positions_in_the_pool(
    devchain: Devchain, fee: int
) -> None:
    d = devchain.deployment
    pool = d.pool(fee)
    block = devchain.w3.eth.block_number
    vault = await _read(devchain, d.vault.liquidity_manager, "liquidity_manager", pool.address, block)
    expected = _npm_positions(devchain, d.vault.lm_token_ids, fee, block)
    assert vault.positions == expected
    assert len(expected) == (2 if fee == 500 else 1)
    assert (vault.idle0, vault.idle1) == (d.vault.stashed0, d.vault.stashed1)
    assert vault.kind == "liquidity_manager"


async def test_vault_positions_are_pinned_to_the_block_asked_for(devchain_clean: Devchain) -> None:
    d = devchain_clean.deployment
    pool = d.pool(500)
    before = devchain_clean.w3.eth.block_number
    generate(devchain_clean, 60, seed=41, fees=(500,))
    source = live_source(devchain_clean)
    try:
        old = await source.vault_state(d.vault.eoa, "eoa", pool.address, before)
        now = await source.vault_state(d.vault.eoa, "eoa", pool.address, devchain_clean.w3.eth.block_number)
    finally:
        await source.close()
    assert old.positions == _npm_positions(devchain_clean, d.vault.eoa_token_ids, 500, before)
    assert now.block_number > old.block_number


async def test_a_liquidity_manager_without_a_registered_ak_token_for_the_pool_is_a_typed_error(
    devchain: Devchain,
) -> None:
    d = devchain.deployment
    source = live_source(devchain)
    try:
        with pytest.raises(RpcResponseError, match="registered AK"):
            # the EOA is not a LiquidityManager: every akAddressTo* read reverts (no code there)
            await source.vault_state(d.vault.eoa, "liquidity_manager", d.pool(500).address,
                                     devchain.w3.eth.block_number)
    finally:
        await source.close()
