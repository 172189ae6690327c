"""Slipstream stakes from the chain: a pool's gauge logs (Deposit/Withdraw) and its gauge-owned
Mint/Burn become ``StakeEvent`` records, and a replay of what the chain side reads reproduces the pool.

No devchain has CLPool/CLGauge bytecode, so the real ``RpcClient`` over a fake transport serves a
history made with our ``Pool``: every log is encoded with eth_abi in the contracts' real layouts
(CLGauge ``Deposit``/``Withdraw``: user, tokenId and liquidityToStake all indexed, empty data; the
pool's Mint/Burn/Collect/Swap as UniswapV3Pool's), and ``positions(tokenId)`` reverts (JSON-RPC
error 3, as a node answers) for a token not minted yet or already burned.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from simulator.events import StakeEvent
from simulator.pool import Pool
from simulator.replay import replay
from simulator.tickmath import get_sqrt_ratio_at_tick
from tests.chain.fake_node import FakeNodeRpc, Reverted
from validator.chain.abi import checksum, contract
from validator.chain.errors import RpcResponseError
from validator.chain.live import LiveChainSource
from validator.chain.logs import fetch_pool_events
from validator.chain.stakes import Gauge, TokenTicks
from validator.chain.types import PoolInfo

E18 = 10**18
POOL = checksum("0x" + "ab" * 20)
GAUGE = checksum("0x" + "9a" * 20)
NPM = checksum("0x" + "82" * 20)
ALM = checksum("0x" + "a1" * 20)
TOKEN0, TOKEN1 = "0x" + "01" * 20, "0x" + "02" * 20

_LAYOUTS = {  # name: (signature types, which are indexed) as the contracts declare them
    "Mint": (("address", "address", "int24", "int24", "uint128", "uint256", "uint256"), (1, 2, 3)),
    "Burn": (("address", "int24", "int24", "uint128", "uint256", "uint256"), (0, 1, 2)),
    "Collect": (("address", "address", "int24", "int24", "uint128", "uint128"), (0, 2, 3)),
    "Swap": (("address", "address", "int256", "int256", "uint160", "uint128", "int24"), (0, 1)),
    "Deposit": (("address", "uint256", "uint128"), (0, 1, 2)),
    "Withdraw": (("address", "uint256", "uint128"), (0, 1, 2)),
}


def _block_hash(block: int) -> str:
    return "0x" + f"{block:064x}"


def _log(address: str, name: str, block: int, index: int, *values: Any) -> dict[str, Any]:
    types, indexed = _LAYOUTS[name]
    topics = ["0x" + keccak(text=f"{name}({','.join(types)})").hex()]
    topics += ["0x" + encode([types[i]], [values[i]]).hex() for i in indexed]
    rest = [i for i in range(len(types)) if i not in indexed]
    data = encode([types[i] for i in rest], [values[i] for i in rest])
    return {"address": address.lower(), "blockNumber": hex(block), "blockHash": _block_hash(block),
            "logIndex": hex(index), "transactionHash": "0x" + f"{block:062x}aa", "topics": topics,
            "data": "0x" + data.hex(), "removed": False}


class _History:
    """A Slipstream pool, its gauge and position manager, driven like an ALM; every log recorded."""

    def __init__(self) -> None:
        self.pool = Pool(500, 10, get_sqrt_ratio_at_tick(0), unstaked_fee=100_000)
        self.logs: list[dict[str, Any]] = []
        self.tokens: dict[int, tuple[int, int, int, int | None]] = {}  # id: lower, upper, minted, burned
        self.block, self.index = 1, 0

    def at(self, block: int) -> None:
        self.block, self.index = block, 0

    def _emit(self, address: str, name: str, *values: Any) -> None:
        self.logs.append(_log(address, name, self.block, self.index, *values))
        self.index += 1

    def _skip(self) -> None:
        """A log of another contract (the position manager's IncreaseLiquidity, a Transfer, ...)."""
        self.index += 1

    def mint_token(self, token: int, lower: int, upper: int, liquidity: int) -> None:
        amounts = self.pool.mint(NPM, lower, upper, liquidity)
        self._emit(POOL, "Mint", NPM, NPM, lower, upper, liquidity, *amounts)
        self._skip()
        self.tokens[token] = (lower, upper, self.block, None)

    def _collect(self, owner: str, lower: int, upper: int) -> None:
        self.pool.burn(owner, lower, upper, 0)
        self._emit(POOL, "Burn", owner, lower, upper, 0, 0, 0)
        amounts = self.pool.collect(owner, lower, upper, 2**128 - 1, 2**128 - 1)
        self._emit(POOL, "Collect", owner, ALM, lower, upper, *amounts)
        self._skip()

    def deposit(self, token: int, liquidity: int) -> None:
        lower, upper = self.tokens[token][:2]
        self._collect(NPM, lower, upper)
        self._skip()  # the NFT's Transfer to the gauge
        self.pool.stake(lower, upper, liquidity, positions=(NPM, GAUGE))
        self._emit(GAUGE, "Deposit", ALM, token, liquidity)

    def withdraw_and_burn(self, token: int, liquidity: int) -> None:
        lower, upper = self.tokens[token][:2]
        self._collect(GAUGE, lower, upper)
        self.pool.stake(lower, upper, -liquidity, positions=(NPM, GAUGE))
        self._skip()  # the NFT's Transfer back
        self._emit(GAUGE, "Withdraw", ALM, token, liquidity)
        amounts = self.pool.burn(NPM, lower, upper, liquidity)
        self._emit(POOL, "Burn", NPM, lower, upper, liquidity, *amounts)
        self._skip()
        self.tokens[token] = (lower, upper, self.tokens[token][2], self.block)

    def increase_staked(self, token: int, liquidity: int) -> None:
        lower, upper = self.tokens[token][:2]
        amounts = self.pool.mint(GAUGE, lower, upper, liquidity)
        self._emit(POOL, "Mint", NPM, GAUGE, lower, upper, liquidity, *amounts)
        self._skip()  # IncreaseLiquidity
        self.pool.stake(lower, upper, liquidity)

    def decrease_staked(self, token: int, liquidity: int) -> None:
        lower, upper = self.tokens[token][:2]
        amounts = self.pool.burn(GAUGE, lower, upper, liquidity)
        self._emit(POOL, "Burn", GAUGE, lower, upper, liquidity, *amounts)
        self._skip()  # DecreaseLiquidity
        self.pool.stake(lower, upper, -liquidity)

    def swap(self, zero_for_one: bool, amount: int, to_tick: int) -> None:
        r = self.pool.swap(zero_for_one, amount, get_sqrt_ratio_at_tick(to_tick))
        self._emit(POOL, "Swap", ALM, ALM, r.amount0, r.amount1, r.sqrt_price_x96, r.liquidity, r.tick)


class _FakeRpc(FakeNodeRpc):
    """Answers eth_getLogs, block headers, ``gauge()``, ``nft()`` and ``positions(tokenId)``."""

    def __init__(self, history: _History, gauge: str = GAUGE) -> None:
        super().__init__()
        self.history, self.gauge = history, gauge
        self.log_filters: list[dict[str, Any]] = []
        self.positions_reads: list[tuple[int, int]] = []
        self.gauge_reads = 0

    def answer(self, method: str, params: list[Any]) -> Any:
        if method == "eth_getBlockByNumber":
            n = int(params[0], 16)
            return {"number": hex(n), "hash": _block_hash(n), "timestamp": hex(1_700_000_000 + 2 * n)}
        if method == "eth_getLogs":
            return self._logs(params[0])
        assert method == "eth_call"
        return self._call(params[0]["to"], params[0]["data"], int(params[1], 16))

    def _logs(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        self.log_filters.append(where)
        addresses = where["address"] if isinstance(where["address"], list) else [where["address"]]
        wanted = {a.lower() for a in addresses}
        low, high = int(where["fromBlock"], 16), int(where["toBlock"], 16)
        return [log for log in self.history.logs if log["address"] in wanted and log["topics"][0] in where["topics"][0]
                and low <= int(log["blockNumber"], 16) <= high]

    def _call(self, to: str, data: str, block: int) -> Any:
        selector = data[:10]
        if to == POOL and selector == "0x" + contract("SlipstreamCLPool").fn("gauge").selector.hex():
            self.gauge_reads += 1
            return "0x" + encode(["address"], [self.gauge]).hex()
        if to == GAUGE and selector == "0x" + contract("SlipstreamCLGauge").fn("nft").selector.hex():
            return "0x" + encode(["address"], [NPM]).hex()
        positions = contract("SlipstreamNonfungiblePositionManager").fn("positions")
        assert to == NPM and selector == "0x" + positions.selector.hex(), (to, data)
        token = int(data[10:], 16)
        self.positions_reads.append((token, block))
        lower, upper, minted, burned = self.history.tokens.get(token, (0, 0, 1 << 60, None))
        if block < minted or (burned is not None and block >= burned):
            raise Reverted("ID")
        return "0x" + encode(list(positions.outputs), [0, ALM, TOKEN0, TOKEN1, 10, lower, upper, 1, 0, 0, 0, 0]).hex()


def _alm_history() -> tuple[_History, Any]:
    """Before block 10: token 1 minted and staked. Then an ALM rebalances: withdraw and burn token 1,
    mint and deposit token 2 in the same block, increase and decrease its staked liquidity."""
    h = _History()
    h.mint_token(1, -600, 600, 10 * E18)
    h.pool.mint(checksum("0x" + "11" * 20), -3000, 3000, 20 * E18)  # other LPs (before the window)
    h.deposit(1, 10 * E18)
    snapshot = h.pool.snapshot(10)
    h.at(11)
    h.swap(True, 2 * E18, -700)  # out of the staked range and back
    h.swap(False, 2 * E18, 300)
    h.at(12)
    h.withdraw_and_burn(1, 10 * E18)
    h.mint_token(2, -1000, 400, 8 * E18)
    h.deposit(2, 8 * E18)
    h.at(13)
    h.increase_staked(2, E18)
    h.swap(True, 3 * E18, -1100)  # crosses -1000: the staked net drops out
    h.swap(False, 3 * E18, 200)
    h.decrease_staked(2, 4 * E18)
    h.swap(True, E18, -300)
    return h, snapshot


async def test_gauge_logs_and_gauge_owned_mints_and_burns_become_stakes_in_log_order() -> None:
    h, _ = _alm_history()
    rpc = _FakeRpc(h)
    batch = await fetch_pool_events(rpc, POOL, 11, 13, max_range=2000, gauge=Gauge(GAUGE, NPM))
    stakes = [e for e in batch.events if isinstance(e, StakeEvent)]
    assert [(e.block_number, e.tick_lower, e.tick_upper, e.liquidity_delta, e.nft) for e in stakes] == [
        (12, -600, 600, -10 * E18, NPM),  # Withdraw
        (12, -1000, 400, 8 * E18, NPM),  # Deposit
        (13, -1000, 400, E18, ""),  # increaseStakedLiquidity: after the Mint owned by the gauge
        (13, -1000, 400, -4 * E18, ""),  # decreaseStakedLiquidity
    ]
    gauge_logs = [log for log in h.logs if log["address"] == GAUGE.lower()]
    assert [s.log_index for s in stakes[:2]] == [int(log["logIndex"], 16) for log in gauge_logs[1:]]
    assert batch.events == sorted(batch.events, key=lambda e: (e.block_number, e.log_index))
    assert rpc.log_filters[0]["address"] == [POOL, GAUGE]  # one filter over the pool and its gauge


async def test_a_snapshot_replay_of_what_the_chain_side_reads_ends_in_the_pools_exact_state() -> None:
    h, snapshot = _alm_history()
    batch = await fetch_pool_events(_FakeRpc(h), POOL, 11, 13, max_range=2, gauge=Gauge(GAUGE, NPM))
    pool = Pool.from_snapshot(snapshot)
    result = replay(pool, batch.events, from_snapshot=True)
    assert result.stakes == 4
    assert pool.staked_liquidity == h.pool.staked_liquidity
    assert {t: i.staked_liquidity_net for t, i in pool.ticks.items()} == {
        t: i.staked_liquidity_net for t, i in h.pool.ticks.items()}
    assert (pool.fee_growth_global0_x128, pool.fee_growth_global1_x128, pool.sqrt_price_x96) == (
        h.pool.fee_growth_global0_x128, h.pool.fee_growth_global1_x128, h.pool.sqrt_price_x96)


async def test_token_ticks_are_read_once_before_the_event_block_or_at_it_for_a_token_minted_there() -> None:
    h, _ = _alm_history()
    rpc = _FakeRpc(h)
    cache = TokenTicks()
    await fetch_pool_events(rpc, POOL, 11, 13, max_range=2000, gauge=Gauge(GAUGE, NPM),
                            token_ticks=cache)
    # token 1 is burned in its withdraw block, so it is read the block before; token 2 was minted in
    # its deposit block, so the read before fails and the block itself answers
    assert rpc.positions_reads == [(1, 11), (2, 11), (2, 12)]
    await fetch_pool_events(rpc, POOL, 11, 13, max_range=2000, gauge=Gauge(GAUGE, NPM),
                            token_ticks=cache)
    assert len(rpc.positions_reads) == 3  # cached


async def test_a_token_that_exists_at_neither_block_is_an_error_naming_it() -> None:
    h, _ = _alm_history()
    h.tokens[2] = (-1000, 400, 12, 12)  # minted, staked, unstaked and burned inside block 12
    with pytest.raises(RpcResponseError, match="token 2"):
        await fetch_pool_events(_FakeRpc(h), POOL, 11, 13, max_range=2000, gauge=Gauge(GAUGE, NPM))


async def test_a_mint_to_the_gauge_by_anyone_but_the_position_manager_is_no_stake() -> None:
    h = _History()
    h.at(5)
    amounts = h.pool.mint(GAUGE, -100, 100, E18)
    h._emit(POOL, "Mint", ALM, GAUGE, -100, 100, E18, *amounts)
    batch = await fetch_pool_events(_FakeRpc(h), POOL, 5, 5, max_range=10, gauge=Gauge(GAUGE, NPM))
    assert not [e for e in batch.events if isinstance(e, StakeEvent)]


async def test_the_live_source_reads_the_gauge_once_and_a_pool_without_one_has_no_stakes() -> None:
    h, _ = _alm_history()
    info = PoolInfo(address=POOL, token0=TOKEN0, token1=TOKEN1, decimals0=18, decimals1=18, fee=500,
                    tick_spacing=10, kind="slipstream")
    rpc = _FakeRpc(h)
    source = LiveChainSource(rpc)
    source._pools[POOL] = info
    first = await source.pool_events(POOL, 11, 12)
    second = await source.pool_events(POOL, 13, 13)
    assert sum(isinstance(e, StakeEvent) for e in first + second) == 4
    assert await source.gauge(POOL, 13) == Gauge(GAUGE, NPM)
    assert rpc.gauge_reads == 1

    bare = _FakeRpc(h, gauge="0x" + "00" * 20)
    source = LiveChainSource(bare)
    source._pools[POOL] = info
    events = await source.pool_events(POOL, 11, 13)
    assert not [e for e in events if isinstance(e, StakeEvent)]
    assert bare.log_filters[0]["address"] == POOL
