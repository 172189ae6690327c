"""Helpers shared by the chain and indexer tests: sources on the devchain, traffic, direct reads."""

from __future__ import annotations

from typing import Any

from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import contract_at
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator, TrafficReport
from validator.chain.live import LiveChainSource, LiveOptions
from validator.chain.rpc import RpcClient, RpcOptions

FAST_RETRIES = RpcOptions(timeout_s=2.0, attempts=12, wait_initial_s=0.01, wait_max_s=0.2, wait_jitter_s=0.01,
                          rate_limit_per_s=1000.0, cooldown_s=0.05, cooldown_max_s=0.5, retry_timeout_s=60.0)


def live_source(chain: Devchain, urls: list[str] | None = None, options: RpcOptions | None = None,
                **live: Any) -> LiveChainSource:
    """A live source on the devchain (no confirmations; EOA vaults in the devchain's NPM)."""
    settings: dict[str, Any] = {"confirmations": 0, "position_managers": {"uniswap-v3": chain.deployment.position_manager}}
    return LiveChainSource(RpcClient(urls or [chain.rpc_url], options or FAST_RETRIES),
                           LiveOptions(**(settings | live)))


def generate(chain: Devchain, events: int, *, seed: int = 5, fees: tuple[int, ...] = (500, 3000)) -> TrafficReport:
    """Mined traffic: swaps (exact in and out), mints, burns and collects; no failure allowed."""
    report = TrafficGenerator(chain.rpc, chain.deployment, TrafficConfig(seed=seed, pool_fees=fees)).run(events)
    assert report.failures == [], report.failures[:3]
    return report


def direct_pool_read(chain: Devchain, pool: str, block: int, ticks: list[int]) -> dict[str, Any]:
    """The pool's state through web3 contract objects (an independent decoder), pinned to ``block``."""
    c = contract_at(chain.w3, "UniswapV3Pool", pool).functions
    slot0 = c.slot0().call(block_identifier=block)
    return {
        "sqrt_price_x96": slot0[0], "tick": slot0[1], "fee_protocol": slot0[5],
        "liquidity": c.liquidity().call(block_identifier=block),
        "fee_growth_global0_x128": c.feeGrowthGlobal0X128().call(block_identifier=block),
        "fee_growth_global1_x128": c.feeGrowthGlobal1X128().call(block_identifier=block),
        "ticks": {t: tuple(c.ticks(t).call(block_identifier=block)[:4]) for t in ticks},
    }
