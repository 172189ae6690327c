"""A live winner that holds is scored as holding, never as a failure (the old SN98 validator gave it -100).

A real evaluation round in replay mode (day-1 USDC/WETH, 400 busy blocks) ranks three real axons;
then the real ``LiveRound`` runs over the same blocks with the holding miner as the candidate, the
vault read from the same replay, and a recording executor. Its raw score must be exactly the
holding strategy's (the vault's tokens held: 0 against HODL), ranked against that evaluation round.

No `from __future__ import annotations`: the axons read forward annotations.
"""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from db.models import MinerScore, RoundResult
from db.urls import parse_database_url
from tests.conftest import run_in_own_loop
from tests.support import gaming_miners as g
from tests.support import scripted_miners as s
from tests.support.axon_network import axon_network
from tests.support.replay_rounds import POOL, ReplayWindow, day1_history, replay_rounds
from validator.chain.replay import ReplayChainSource
from validator.executor import RecordingExecutor
from validator.live import Candidate, LiveRound, LiveSettings, LiveSummary
from validator.scoring import LIVE_EMA_NEW, live_rank

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]

WINDOW = ReplayWindow(rounds=1, round_blocks=400, checkpoint_blocks=100, job_id="live-hold")
SETTINGS = LiveSettings(query_timeout_s=2.0, block_time_s=2.0, evaluation_wait_s=5.0, evaluation_poll_s=0.1)


@dataclass(frozen=True)
class Played:
    live: LiveSummary
    evaluation_raw: dict[str, float]
    live_result: dict[str, object]
    live_ema: float
    executed: int


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    day1_history()
    root = tmp_path_factory.mktemp("live")
    with axon_network(root / "wallets", [s.sensible, s.hold, g.falling_knife]) as network:
        async def play() -> Played:
            url = parse_database_url(f"sqlite://{root / 'jobs.sqlite3'}")
            async with replay_rounds(url, network, WINDOW) as rounds:
                [evaluation] = await rounds.run(1)
                live_chain = ReplayChainSource({POOL: day1_history()}, start_block=WINDOW.start_block,
                                               end_block=WINDOW.end_block, default_idle=WINDOW.idle)
                holder = network.by_behaviour("hold").endpoint()
                recorder = RecordingExecutor()
                live = await LiveRound(rounds.job, live_chain, rounds.transport, rounds.store, recorder,
                                       Candidate(holder, evaluation.round_id), SETTINGS, asyncio.Event()).run()
                names = {m.hotkey: m.behaviour for m in network.miners}
                raw = {names[h]: v for h, v in evaluation.raw_scores.items() if v is not None}
                result = await RoundResult.filter(round__round_id=live.round_id).first().values()
                score = await MinerScore.get(job_id=rounds.job.db_id, miner_hotkey=holder.hotkey)
                return Played(live, raw, result, score.live_score, len(recorder.requests))

        yield run_in_own_loop(play())


def test_a_holding_live_winner_scores_what_holding_scored_in_evaluation(played: Played) -> None:
    assert played.live.raw_score == played.evaluation_raw["hold"] == 0.0
    assert played.executed == 0 and played.live.executions == 0


def test_its_live_score_is_its_rank_among_the_concurrent_evaluation_not_the_worst(played: Played) -> None:
    expected = live_rank(0.0, list(played.evaluation_raw.values()))
    assert played.live.live_score == expected == played.live_result["rank_score"]
    assert expected > 0.0  # it ties the holding miner and beats the falling knife
    assert played.live_ema == pytest.approx(LIVE_EMA_NEW * expected)
