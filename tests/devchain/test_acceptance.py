"""Issue 4 acceptance: 500 generated swaps with mints and burns, read back with eth_getLogs, agree with the pool."""

from __future__ import annotations

import pytest

from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import contract_at
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator, TrafficReport
from tests.devchain.pool_logs import implied_state, read_pool_logs

pytestmark = pytest.mark.chain


def _generate_swaps(chain: Devchain, fee: int, swaps: int) -> TrafficReport:
    generator = TrafficGenerator(chain.rpc, chain.deployment, TrafficConfig(seed=11, pool_fees=(fee,)))
    report = TrafficReport()
    while report.swaps < swaps:
        generator.step(report, min(10, swaps - report.swaps + 2))
    return report


@pytest.mark.parametrize(("fee", "swaps"), [(500, 500), (3000, 200)])
def test_generated_swaps_read_back_from_logs_imply_the_pools_slot0_and_liquidity(
    devchain_clean: Devchain, fee: int, swaps: int
) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(fee)
    first_block = chain.w3.eth.block_number + 1

    report = _generate_swaps(chain, fee, swaps)

    assert report.failures == []
    logs = read_pool_logs(chain.w3, pool.address)
    traffic = [log for log in logs if log.block >= first_block]
    assert sum(log.kind == "Swap" for log in traffic) == report.swaps >= swaps
    assert sum(log.kind == "Mint" for log in traffic) == report.mints > 0
    # NPM.collect pokes the position with a zero-amount Burn first; those are not burns of liquidity
    assert sum(log.kind == "Burn" and log.args["amount"] > 0 for log in traffic) == report.burns > 0
    assert report.exact_output_swaps > 0 and report.exact_output_swaps < report.swaps
    assert len({log.block for log in traffic}) > swaps // 10

    state = implied_state(logs)
    contract = contract_at(chain.w3, "UniswapV3Pool", pool.address)
    sqrt_price_x96, tick, *_ = contract.functions.slot0().call()
    assert (sqrt_price_x96, tick) == (state.sqrt_price_x96, state.tick)
    assert contract.functions.liquidity().call() == state.active_liquidity(tick)
    assert state.swaps_with_wrong_liquidity == []
    assert state.tick_crossings > swaps // 50


def test_tick_liquidity_net_on_chain_equals_the_sum_of_mint_and_burn_events(devchain_clean: Devchain) -> None:
    chain = devchain_clean
    pool = chain.deployment.pool(500)
    _generate_swaps(chain, 500, 60)

    state = implied_state(read_pool_logs(chain.w3, pool.address))
    contract = contract_at(chain.w3, "UniswapV3Pool", pool.address)
    on_chain = {t: contract.functions.ticks(t).call()[1] for t in state.liquidity_net}
    assert on_chain == dict(state.liquidity_net)
