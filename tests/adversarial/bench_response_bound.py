"""Benchmark: the validator's peak memory for one 100 MB miner answer, with and without the bound.

Run: ``.venv/bin/python -m tests.adversarial.bench_response_bound`` (prints one line per bound).
A raw HTTP server on loopback streams 100 MiB; the real ``DendriteTransport`` queries it once.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from tests.support.bt_local import LOOPBACK, make_wallet
from tests.support.hostile_miners import raw_servers
from tests.support.rss import sampled_rss
from validator.miners.dendrite_v10 import MAX_RESPONSE_BYTES, DendriteTransport
from validator.miners.types import MinerEndpoint, RebalanceRequest

REQUEST = RebalanceRequest(
    job_id="bench", sn_liquidity_manager_address="0x" + "1" * 40, pair_address="0x" + "2" * 40, chain_id=8453,
    round_id="bench:evaluation:1", round_type="evaluation", block_number=1, sqrt_price_x96=2**96, tick=0,
    tick_spacing=60, current_positions=(), inventory0=1, inventory1=1)


async def measure(max_bytes: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        wallet = make_wallet(Path(folder), "validator")
        async with raw_servers() as servers:
            huge = next(s for s in servers if s.name == "hundred_megabytes")
            transport = DendriteTransport(wallet, external_ip=LOOPBACK, max_response_bytes=max_bytes)
            endpoint = MinerEndpoint(1, wallet.hotkey.ss58_address, LOOPBACK, huge.port)
            began = time.monotonic()
            with sampled_rss() as rss:
                [reply] = await transport.query_many([(endpoint, REQUEST)], 30.0)
            await transport.close()
    return (f"bound={max_bytes} B status={reply.status.value} took={time.monotonic() - began:.2f} s "
            f"peak_rss_growth={rss.growth / 2**20:.1f} MiB")


def main() -> None:
    for bound in (MAX_RESPONSE_BYTES, 10**9):
        print(asyncio.run(measure(bound)))


if __name__ == "__main__":
    main()
