"""Regression: the v10 transport must not reuse pooled keep-alive connections that the axon has
already closed (fixed by opening a fresh connection per query: ``force_close=True``).

bittensor's axon (uvicorn) closes an idle keep-alive connection after 5 s; aiohttp's connector keeps
idle connections for 15 s. When the validator's next checkpoint comes 5-15 s after the previous one
and its event loop was busy when the axon's FIN arrived (simulating, storing), the stale connection
is reused and the query fails ("Server disconnected" / "Can not write request body") although the
miner is healthy. Production checkpoints are ~300 s apart (the FIN is long processed), but rounds
whose checkpoints fall 5-15 s apart (a 5 s query timeout under load, short test rounds) lose honest
answers: ``python -m scripts.load_test`` shows them as honest ``unreachable``/``miner_error``.
The fix in ``validator/miners/dendrite_v10.py``: no keep-alive (each miner gets one query per
checkpoint, so pooling saved nothing).
"""

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.axon_farm import AxonFarm
from tests.support.bt_local import make_wallet
from validator.miners.dendrite_v10 import DendriteTransport
from validator.miners.directory import StaticMinerDirectory
from validator.miners.types import RebalanceRequest, ReplyStatus

pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("ignore::DeprecationWarning")]
AXON_KEEP_ALIVE_S = 5.0


def _request() -> RebalanceRequest:
    return RebalanceRequest(job_id="keepalive", sn_liquidity_manager_address="0x" + "00" * 20,
                            pair_address="0x" + "00" * 20, chain_id=8453, round_id="keepalive:evaluation:1",
                            round_type="evaluation", block_number=1, sqrt_price_x96=2**96, tick=0, tick_spacing=10,
                            current_positions=(), inventory0=10**6, inventory1=10**18)


async def test_a_checkpoint_just_after_the_axons_keep_alive_expired_loses_no_honest_answer(
    farm: AxonFarm, miners_file: Path, wallets: Path,
) -> None:
    miners = await StaticMinerDirectory.from_file(miners_file).miners()
    transport = DendriteTransport(make_wallet(wallets, "validator"), external_ip="127.0.0.1")
    try:
        queries = [(m, _request()) for m in miners]
        first = await transport.query_many(queries, 10.0)
        assert all(r.status is ReplyStatus.OK for r in first), first
        await asyncio.sleep(AXON_KEEP_ALIVE_S - 0.2)
        time.sleep(0.5)  # the loop is busy (a simulation step) when the axons close their connections
        second = await transport.query_many(queries, 10.0)
    finally:
        await transport.close()
    assert [r.status for r in second] == [ReplyStatus.OK] * len(miners), [(r.status, r.message) for r in second]
