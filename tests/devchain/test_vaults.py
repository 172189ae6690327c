"""Both vault kinds of the devchain answer the reads a validator makes (issue 5's vault reads)."""

from __future__ import annotations

import pytest

from scripts.devchain.chain import Devchain
from scripts.devchain.deploy import VAULT_FUNDS
from scripts.devchain.encoding import calldata, contract_at
from scripts.devchain.rpc import Tx

pytestmark = pytest.mark.chain

ZERO = "0x0000000000000000000000000000000000000000"


def test_eoa_vault_owns_its_npm_positions_and_keeps_the_unspent_tokens_idle(devchain: Devchain) -> None:
    d = devchain.deployment
    npm = contract_at(devchain.w3, "NonfungiblePositionManager", d.position_manager)
    for token_id in d.vault.eoa_token_ids:
        assert npm.functions.ownerOf(token_id).call() == d.vault.eoa
        position = npm.functions.positions(token_id).call()
        assert position[7] > 0  # liquidity
    assert npm.functions.balanceOf(d.vault.eoa).call() == len(d.vault.eoa_token_ids)
    dev = contract_at(devchain.w3, "DevToken", d.token18).functions.balanceOf(d.vault.eoa).call()
    dusd = contract_at(devchain.w3, "DevToken", d.token6).functions.balanceOf(d.vault.eoa).call()
    assert 0 < dev < VAULT_FUNDS[0] and 0 < dusd < VAULT_FUNDS[1]


def test_liquidity_manager_reads_lead_from_the_ak_token_to_the_npm_positions_and_stash(devchain: Devchain) -> None:
    d = devchain.deployment
    pool = d.pool(500)
    lm = contract_at(devchain.w3, "DevLiquidityManager", d.vault.liquidity_manager).functions
    other = pool.token0 if d.vault.ak_token == pool.token1 else pool.token1
    assert lm.akAddressToPoolManager(d.vault.ak_token).call() == d.vault.lm_pool_manager != ZERO
    assert lm.akAddressToPoolManager(other).call() == ZERO
    assert lm.akAddressToPositionManager(other).call() == ZERO
    position_manager = lm.akAddressToPositionManager(d.vault.ak_token).call()
    assert position_manager == d.vault.lm_position_manager
    stash = (lm.akToStashedTokens(d.vault.ak_token, pool.token0).call(),
             lm.akToStashedTokens(d.vault.ak_token, pool.token1).call())
    assert stash == (d.vault.stashed0, d.vault.stashed1)

    pm = contract_at(devchain.w3, "DevPositionManager", position_manager).functions
    assert tuple(pm.tokenIds().call()) == d.vault.lm_token_ids
    npm = contract_at(devchain.w3, "NonfungiblePositionManager", pm.nftManager().call()).functions
    fees = {npm.positions(i).call()[4] for i in d.vault.lm_token_ids}
    assert fees == {500, 3000}  # positions in both pools: a reader must filter by pool
    assert all(npm.ownerOf(i).call() == position_manager for i in d.vault.lm_token_ids)


def test_liquidity_manager_setters_refuse_anyone_but_the_deployer(devchain_clean: Devchain) -> None:
    d = devchain_clean.deployment
    data = calldata("DevLiquidityManager", "setStashedTokens", d.vault.ak_token, d.token6, 1)
    (outcome,) = devchain_clean.rpc.send([Tx(d.accounts.traders[0], d.vault.liquidity_manager, data, gas=200_000)])
    assert outcome.error is not None
