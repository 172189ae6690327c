"""Helpers of the live tests: a steering and an invalid miner (holding and refusing ones come from
``tests.support.scripted_miners``), the devchain traffic thread, and an independent valuation of the
vault from the chain (eth_call of decreaseLiquidity + collect at a block)."""

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from eth_abi.abi import decode

from db.models import MinerParticipation, Round, RoundResult, RoundStatus, RoundType
from protocol.models import Position
from protocol.synapse import RebalanceQuery
from scripts.devchain.chain import Devchain
from scripts.devchain.encoding import calldata, contract_at
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator
from simulator.fullmath import MAX_UINT128
from tests.executor._support import vault_npm_positions

HALF_WIDTH = 400  # ticks of the steering miner's position on each side of the price


async def steering_miner(synapse: RebalanceQuery) -> RebalanceQuery:
    """One position of +-HALF_WIDTH ticks around the price with half the inventory; keeps it once held."""
    current = list(synapse.current_positions)
    if len(current) == 1 and current[0].tick_upper - current[0].tick_lower == 2 * HALF_WIDTH:
        synapse.desired_positions = current
        return synapse
    spacing, inventory = synapse.tick_spacing, synapse.inventory_remaining
    assert synapse.tick is not None and inventory is not None
    lower = (synapse.tick - HALF_WIDTH) // spacing * spacing
    synapse.desired_positions = [Position(tick_lower=lower, tick_upper=lower + 2 * HALF_WIDTH,
                                          allocation0=str(int(inventory.amount0) // 2),
                                          allocation1=str(int(inventory.amount1) // 2))]
    return synapse


async def invalid_miner(synapse: RebalanceQuery) -> RebalanceQuery:
    """Asks for a range whose ticks are not on the pool's spacing."""
    synapse.desired_positions = [Position(tick_lower=-(synapse.tick_spacing * 10) - 1, tick_upper=synapse.tick_spacing,
                                          allocation0="1", allocation1="1")]
    return synapse


@contextmanager
def traffic(devchain: Devchain, block_interval_s: float = 0.15) -> Iterator[None]:
    """Swaps on the fee-500 pool (a random walk of ~10 ticks a block), one block every ``block_interval_s``,
    in a thread."""
    generator = TrafficGenerator(devchain.rpc, devchain.deployment,
                                 TrafficConfig(pool_fees=(500,), events_per_block=3, lp_share=0.0,
                                               walk_step_ticks=10.0))
    stop = threading.Event()
    thread = threading.Thread(target=generator.run_forever, args=(stop,), kwargs={"block_interval_s": block_interval_s},
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


async def seed_eligible_winner(job_db_id: int, hotkey: str, uid: int, days: int = 7) -> None:
    """A completed evaluation round won by ``hotkey`` and ``days`` UTC days of participation."""
    await Round.create(round_id="seed:evaluation:1", job_id=job_db_id, round_type=RoundType.EVALUATION,
                       round_number=1, status=RoundStatus.COMPLETED, start_block=0, end_block=1,
                       winner_hotkey=hotkey, winner_uid=uid)
    today = dt.datetime.now(dt.timezone.utc).date()
    for back in range(days):
        await MinerParticipation.create(job_id=job_db_id, miner_hotkey=hotkey, miner_uid=uid,
                                        day=today - dt.timedelta(days=back + 1), valid_answers=3, rounds=1)


def chain_holdings(devchain: Devchain, block: int, fee: int = 500) -> tuple[int, int, int]:
    """(amount0, amount1, sqrtPriceX96) of the EOA vault at the end of ``block``, measured by the
    contracts: idle balances + what decreaseLiquidity(all) + collect(all) would pay (eth_call)."""
    d = devchain.deployment
    vault, pool = d.vault.eoa, d.pool(fee)
    npm = contract_at(devchain.w3, "NonfungiblePositionManager", d.position_manager).functions
    amount0 = contract_at(devchain.w3, "DevToken", pool.token0).functions.balanceOf(vault).call(block_identifier=block)
    amount1 = contract_at(devchain.w3, "DevToken", pool.token1).functions.balanceOf(vault).call(block_identifier=block)
    for token_id, _, _, liquidity in vault_npm_positions(devchain, fee, block):
        calls = [calldata("NonfungiblePositionManager", "collect", (token_id, vault, MAX_UINT128, MAX_UINT128))]
        if liquidity > 0:
            calls.insert(0, calldata("NonfungiblePositionManager", "decreaseLiquidity",
                                     (token_id, liquidity, 0, 0, 2**40)))
        results = npm.multicall([bytes.fromhex(c[2:]) for c in calls]).call({"from": vault}, block_identifier=block)
        got0, got1 = decode(["uint256", "uint256"], results[-1])
        amount0, amount1 = amount0 + got0, amount1 + got1
    slot0 = contract_at(devchain.w3, "UniswapV3Pool", pool.address).functions.slot0().call(block_identifier=block)
    return int(amount0), int(amount1), int(slot0[0])


async def concurrent_evaluation(job_db_id: int, start_block: int, end_block: int, raw_scores: list[float],
                                complete_after_s: float) -> Round:
    """An evaluation round of the job over the live round's blocks, active now and completed with
    ``raw_scores`` after ``complete_after_s`` seconds (the live round must wait for it)."""
    row = await Round.create(round_id="seed:evaluation:2", job_id=job_db_id, round_type=RoundType.EVALUATION,
                             round_number=2, status=RoundStatus.ACTIVE, start_block=start_block,
                             metadata={"end_block": end_block})
    await asyncio.sleep(complete_after_s)
    for index, raw in enumerate(raw_scores):
        await RoundResult.create(round=row, miner_hotkey=f"5Other{index}", miner_uid=10 + index, raw_score=raw,
                                 rank_score=0.0, rank=index + 1, initial_value=1, final_value=1, hodl_value=1,
                                 fees0=0, fees1=0, pnl_vs_hodl=0)
    row.status, row.end_block = RoundStatus.COMPLETED, end_block
    await row.save(update_fields=["status", "end_block"])
    return row
