"""The pool reader on a Slipstream pool: the real RpcClient over a fake node with CLPool's getter layouts.

No devchain has CLPool bytecode, so the fake node encodes each answer with the real getters' types
(ICLPoolState: 6-field ``slot0``, 10-field ``ticks`` with ``stakedLiquidityNet`` third, and a
``protocolFees()`` that reverts) from a simulator pool's state.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from simulator.pool import Pool
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.chain.fake_node import FakeNodeRpc, Reverted
from validator.chain.abi import contract
from validator.chain.pool_reader import read_pool_state

E18 = 10**18
POOL = "0x" + "ab" * 20
TOKEN0, TOKEN1 = "0x" + "01" * 20, "0x" + "02" * 20


class _FakeSlipstream(FakeNodeRpc):
    """Answers ``eth_call``s to one CLPool (and its two tokens) from a simulator pool's state."""

    def __init__(self, pool: Pool, block_number: int) -> None:
        super().__init__()
        self.pool, self.block_number = pool, block_number
        self.by_selector: dict[str, tuple[str, Any]] = {}
        for name in ("SlipstreamCLPool", "UniswapV3Pool", "ERC20"):  # CLPool layouts first
            for fn in contract(name).functions.values():
                self.by_selector.setdefault("0x" + fn.selector.hex(), (fn.name, fn))

    def answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_getBlockByNumber":
            return {"number": hex(self.block_number), "hash": "0x" + "cd" * 32, "timestamp": hex(1_700_000_000)}
        data = params[0]["data"]
        name, fn = self.by_selector[data[:10]]
        if name == "protocolFees":
            raise Reverted("")  # CLPool has no protocol fee
        values = self._values(name, data)
        return "0x" + encode(list(fn.outputs), values).hex()

    def _values(self, name: str, data: str) -> list[Any]:
        p = self.pool
        arg = int(data[10:], 16) if len(data) > 10 else 0
        arg = arg - (1 << 256) if arg >= 1 << 255 else arg
        simple: dict[str, Any] = {
            "liquidity": p.liquidity, "fee": p.fee, "tickSpacing": p.tick_spacing, "token0": TOKEN0,
            "token1": TOKEN1, "feeGrowthGlobal0X128": p.fee_growth_global0_x128,
            "feeGrowthGlobal1X128": p.fee_growth_global1_x128, "unstakedFee": p.unstaked_fee,
            "stakedLiquidity": p.staked_liquidity, "decimals": 18,
        }
        if name in simple:
            return [simple[name]]
        if name == "slot0":
            return [p.sqrt_price_x96, p.tick, 0, 1, 1, True]
        if name == "tickBitmap":
            return [p.tick_bitmap.get(arg, 0)]
        if name == "ticks":
            i = p.ticks[arg]
            return [i.liquidity_gross, i.liquidity_net, i.staked_liquidity_net, i.fee_growth_outside0_x128,
                    i.fee_growth_outside1_x128, 0, 0, 0, 0, True]
        raise AssertionError(f"unexpected call {name}")


async def test_a_slipstream_snapshot_carries_each_ticks_staked_liquidity_net() -> None:
    pool = Pool(500, 100, get_sqrt_ratio_at_tick(0), unstaked_fee=100_000)
    pool.mint("nft", -1000, 1000, 3 * E18)
    pool.mint("nft", -3000, 3000, E18)
    pool.stake(-1000, 1000, 2 * E18)  # the gauge holds 2e18 of the narrow range
    pool.swap(True, E18 // 50, get_sqrt_ratio_at_tick(-500))  # fee growth, no crossing

    state = await read_pool_state(_FakeSlipstream(pool, 1234), POOL, 1234, max_words=1000)

    snap = state.snapshot
    assert snap.unstaked_fee == 100_000 and snap.staked_liquidity == 2 * E18
    # Tick.updateStake: the lower tick adds the staked delta, the upper subtracts it
    assert snap.ticks[-1000].staked_liquidity_net == 2 * E18
    assert snap.ticks[1000].staked_liquidity_net == -2 * E18
    assert snap.ticks[3000].staked_liquidity_net == 0
    assert snap == pool.snapshot(1234)
    # so a replay from it drops the staked liquidity when the price leaves the staked range
    resumed = Pool.from_snapshot(snap)
    assert resumed.swap(True, 10**30, get_sqrt_ratio_at_tick(-1500)).staked_liquidity == 0
