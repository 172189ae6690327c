"""Hostile input: one real evaluation round in replay mode where every miner but one is hostile.

17 real axons put junk on the wire (10,000 positions, 1 MB strings, nested junk, ticks below
MIN_TICK, fractional or in exponent form, allocations in exponent form, negative or in Arabic-Indic
digits, a wrong type in every field) and 3 raw HTTP servers are no axon at all (a 100 MB body, a
trickle that never ends, HTML). The round must complete within the query timeout plus a small
margin per checkpoint, record each bad miner's specific reason, rank the honest miner first, and
keep the validator's memory bounded.

No `from __future__ import annotations`: the axons read forward annotations.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from db.urls import parse_database_url
from tests.conftest import run_in_own_loop
from tests.support import scripted_miners as s
from tests.support.axon_network import axon_network
from tests.support.bt_local import LOOPBACK, make_wallet
from tests.support.hostile_miners import HOSTILE, HOSTILE_AXONS, RAW_SERVERS, raw_servers
from tests.support.replay_rounds import ReplayWindow, day1_history, replay_rounds
from tests.support.round_rows import RoundRows, read_round_rows
from tests.support.rss import sampled_rss
from validator.miners.types import MinerEndpoint

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]

WINDOW = ReplayWindow(rounds=1, round_blocks=200, checkpoint_blocks=100, query_timeout_s=2.0)
CHECKPOINTS = 2
MARGIN_S = 1.5
MAX_GROWTH = 64 * 1024 * 1024


@dataclass(frozen=True)
class Played:
    rows: RoundRows
    seconds: float
    rss_growth: int
    """The peak RSS above the round's start (bytes)."""


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    day1_history()
    root = tmp_path_factory.mktemp("hostile")
    raw_hotkeys = {name: make_wallet(root / "wallets", name).hotkey.ss58_address for name in RAW_SERVERS}
    with axon_network(root / "wallets", [s.sensible, *HOSTILE_AXONS]) as network:
        names = {m.hotkey: m.behaviour for m in network.miners} | {h: n for n, h in raw_hotkeys.items()}

        async def play() -> Played:
            async with raw_servers() as servers:
                extra = [MinerEndpoint(100 + i, raw_hotkeys[r.name], LOOPBACK, r.port) for i, r in enumerate(servers)]
                miners = [m.endpoint() for m in network.miners] + extra
                async with replay_rounds(parse_database_url(f"sqlite://{root / 'jobs.sqlite3'}"), network, WINDOW,
                                         miners) as rounds:
                    began = time.monotonic()
                    with sampled_rss() as rss:  # unbounded, the 100 MB answer alone peaks at ~200 MiB
                        await rounds.run(1)
                    return Played(await read_round_rows(names), time.monotonic() - began, rss.growth)

        yield run_in_own_loop(play())


def test_the_round_completes_within_the_timeout_plus_a_margin(played: Played) -> None:
    assert played.rows.rounds[1]["status"] == "completed"
    assert played.seconds < CHECKPOINTS * (WINDOW.query_timeout_s + MARGIN_S)


@pytest.mark.parametrize("behaviour", [*HOSTILE, *RAW_SERVERS])
def test_each_hostile_miner_gets_its_specific_reason_and_scores_nothing(played: Played, behaviour: str) -> None:
    expected = HOSTILE[behaviour][1] if behaviour in HOSTILE else RAW_SERVERS[behaviour][1]
    assert played.rows.reason_codes(1, behaviour) == [expected] * CHECKPOINTS
    result = played.rows.result(1, behaviour)
    assert result["valid_answers"] == 0 and result["rank_score"] == 0.0


def test_the_honest_miner_is_untouched_by_the_others(played: Played) -> None:
    result = played.rows.result(1, "sensible")
    assert result["valid_answers"] == CHECKPOINTS and result["rank_score"] == 1.0
    assert played.rows.rounds[1]["winner_hotkey"] == played.rows.prediction(1, "sensible")["miner_hotkey"]


def test_memory_stays_bounded_with_a_100_megabyte_answer(played: Played) -> None:
    assert played.rss_growth < MAX_GROWTH, f"RSS grew by {played.rss_growth / 2**20:.1f} MiB"
