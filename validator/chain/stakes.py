"""Slipstream stakes for the replay: ``StakeEvent`` records from a pool's gauge (CLGauge).

``CLPool.stake`` (callable only by the pool's gauge) moves liquidity in or out of the staked
liquidity that takes the gauge's share of every later swap's fee, and emits no pool event. The
gauge paths that call it (Slipstream ``contracts/gauge/CLGauge.sol``) and what each leaves in the logs:

- ``deposit(tokenId)``: the position manager's collect (pool ``Burn`` of 0 and ``Collect``), the NFT
  transfer, ``pool.stake(+liquidity, ..., positionUpdate=true)``, then the gauge's
  ``Deposit(address indexed user, uint256 indexed tokenId, uint128 indexed liquidityToStake)``.
- ``withdraw(tokenId)``: collect on the gauge's position, the reward claim, ``pool.stake(-liquidity,
  ..., true)`` only if the token still has liquidity, the NFT transfer, then ``Withdraw`` (same
  layout as ``Deposit``).
- ``increaseStakedLiquidity``/``decreaseStakedLiquidity`` (older gauges; later ones dropped them): the
  position manager mints/burns on behalf of the gauge, so the pool's ``Mint``/``Burn`` has
  ``owner == gauge`` (a Mint to the gauge comes from the position manager only for these, whose
  ``increaseLiquidity`` requires the gauge as caller for a staked token; a Burn owned by the gauge
  with liquidity only from ``decreaseLiquidity``, callable for a staked token by its owner, the
  gauge), then ``pool.stake(±liquidity, ..., positionUpdate=false)``. No gauge event.

Where each stake goes in the (block, log_index) order: a stake changes only how later swaps split
their fee (and, with ``positionUpdate``, which owner holds the position), and no swap can run between
a gauge's calls inside one transaction (the gauge calls only the pool, the position manager and token
transfers), so any index between the stake and the next pool event is exact: a Deposit/Withdraw stake
takes the gauge log's own index (no pool log lies between the stake and it); an increase/decrease
stake takes the index after its Mint/Burn (that log is the position manager's event, emitted before
the stake; the pool's next log, if any, is a poke or collect that a stake does not affect).

Token ids map to ticks through the gauge's position manager (``gauge.nft()``): ``positions(tokenId)``
gives (..., tickLower, tickUpper, ...), which never change for a token, so each is read once and
cached. A token is read at the block before its first event here: it existed then unless it was
minted in that block (mint and deposit in one transaction), in which case it is read at the event's
block. Reading at the event's block first would fail for the common withdraw-and-burn transaction
of an ALM's rebalance (the burned token's positions() reverts), which the block before never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from loguru import logger

from simulator.events import BurnEvent, MintEvent, PoolEvent, StakeEvent
from validator.chain.abi import checksum, contract
from validator.chain.errors import ChainError, RpcCallReverted, RpcResponseError
from validator.chain.rpc import RpcClient
from validator.chain.ticks import eth_call

GAUGE_EVENT_NAMES = ("Deposit", "Withdraw")


@dataclass(frozen=True, slots=True)
class Gauge:
    """A Slipstream pool's gauge and the position manager whose tokens it stakes (checksummed)."""

    address: str
    nft: str


def gauge_topics() -> list[str]:
    """topic0 of the gauge events that stake or unstake."""
    abi = contract("SlipstreamCLGauge")
    return [abi.event(name).topic for name in GAUGE_EVENT_NAMES]


async def read_gauge(rpc: RpcClient, pool: str, block_number: int) -> Gauge | None:
    """The pool's gauge (``CLPool.gauge()``) and its ``nft()``, or None while the pool has no gauge
    (the zero address: the gauge factory sets it once, when a gauge is created for the pool)."""
    fn = contract("SlipstreamCLPool").fn("gauge")
    (address,) = fn.decode(str(await rpc.call(*eth_call(checksum(pool), fn.calldata(), block_number))))
    if int(address, 16) == 0:
        return None
    nft_fn = contract("SlipstreamCLGauge").fn("nft")
    (nft,) = nft_fn.decode(str(await rpc.call(*eth_call(checksum(address), nft_fn.calldata(), block_number))))
    if int(nft, 16) == 0:
        raise RpcResponseError(f"pool {pool}: gauge {address} has no position manager")
    return Gauge(checksum(address), checksum(nft))


@dataclass(frozen=True, slots=True)
class GaugeLog:
    """One decoded Deposit/Withdraw log (``liquidity`` raw pool units, unsigned as in the event)."""

    name: str
    token_id: int
    liquidity: int
    block_number: int
    log_index: int
    tx_hash: str
    timestamp: int


def decode_gauge_log(log: dict[str, Any], timestamp: int) -> GaugeLog:
    """A raw gauge log (Deposit or Withdraw; every field is indexed, the data is empty)."""
    name, v = contract("SlipstreamCLGauge").decode_log(log, GAUGE_EVENT_NAMES)
    return GaugeLog(name, int(v["tokenId"]), int(v["liquidityToStake"]), int(log["blockNumber"], 16),
                    int(log["logIndex"], 16), str(log["transactionHash"]).lower(), timestamp)


class TokenTicks:
    """tokenId -> (tickLower, tickUpper) of one position manager, read once per token (see the
    module docstring for the block each is read at)."""

    def __init__(self) -> None:
        self._ticks: dict[tuple[str, int], tuple[int, int]] = {}

    def get(self, npm: str, token_id: int) -> tuple[int, int]:
        return self._ticks[(npm, token_id)]

    async def resolve(self, rpc: RpcClient, npm: str, first_seen: dict[int, int]) -> None:
        """Read the ticks of every token of ``first_seen`` (tokenId -> block of its first event) not
        cached yet: at the block before, then, for tokens minted in that block, at the block itself."""
        wanted = {t: b for t, b in first_seen.items() if (npm, t) not in self._ticks}
        missing = await self._read(rpc, npm, {t: max(b - 1, 0) for t, b in wanted.items()})
        missing = await self._read(rpc, npm, {t: wanted[t] for t in missing})
        if missing:
            token = missing[0]
            raise RpcResponseError(f"position manager {npm}: token {token} has no position at block "
                                   f"{wanted[token] - 1} nor {wanted[token]}; its ticks are unknown")

    async def _read(self, rpc: RpcClient, npm: str, at: dict[int, int]) -> list[int]:
        """Read ``positions(tokenId)`` at each token's block; the tokens that do not exist there."""
        fn = contract("SlipstreamNonfungiblePositionManager").fn("positions")
        tokens = sorted(at)
        outcomes = await rpc.batch_outcomes([eth_call(npm, fn.calldata(t), at[t]) for t in tokens])
        missing = []
        for token, outcome in zip(tokens, outcomes):
            if isinstance(outcome, RpcCallReverted):  # positions() reverts 'ID' for a token not minted or burned
                missing.append(token)
            elif isinstance(outcome, ChainError):
                raise outcome
            else:
                values = fn.decode(str(outcome))
                self._ticks[(npm, token)] = (int(values[5]), int(values[6]))
        return missing


async def gauge_stakes(
    rpc: RpcClient, pool: str, gauge: Gauge, logs: Sequence[GaugeLog], cache: TokenTicks
) -> list[StakeEvent]:
    """The stakes of the gauge's Deposit/Withdraw logs, at each log's index (``pool`` as the events
    DB keys it). A Withdraw of a token whose liquidity was already all unstaked calls no stake; a
    Deposit of no liquidity stakes nothing and its position update only settles fees that the
    collect's poke just before it settled, so both are left out."""
    staking = [log for log in logs if log.liquidity]
    first_seen: dict[int, int] = {}
    for log in staking:
        first_seen.setdefault(log.token_id, log.block_number)
    await cache.resolve(rpc, gauge.nft, first_seen)
    stakes = []
    for log in staking:
        lower, upper = cache.get(gauge.nft, log.token_id)
        delta = log.liquidity if log.name == "Deposit" else -log.liquidity
        stakes.append(StakeEvent(pool, log.block_number, log.log_index, lower, upper, delta, log.tx_hash,
                                 log.timestamp, nft=gauge.nft, gauge=gauge.address))
    if stakes:
        logger.debug("pool {}: {} stakes from gauge {} ({} tokens)", pool, len(stakes), gauge.address, len(first_seen))
    return stakes


def implied_stakes(events: Iterable[PoolEvent], gauge: Gauge) -> list[StakeEvent]:
    """The stakes of ``increaseStakedLiquidity``/``decreaseStakedLiquidity``: each follows a Mint
    (from the position manager) or a Burn of liquidity owned by the gauge, by the same liquidity."""
    stakes = []
    for event in events:
        if not isinstance(event, (MintEvent, BurnEvent)) or event.owner != gauge.address or event.liquidity == 0:
            continue  # (a Burn of 0 owned by the gauge is the position manager's poke before a collect)
        if isinstance(event, MintEvent) and event.sender != gauge.nft:
            continue  # someone minted to the gauge's address directly: a gift, not a stake
        delta = event.liquidity if isinstance(event, MintEvent) else -event.liquidity
        stakes.append(StakeEvent(event.pool, event.block_number, event.log_index + 1, event.tick_lower,
                                 event.tick_upper, delta, event.tx_hash, event.timestamp))
    return stakes
