"""Identity and market exploits, closed: a new hotkey on a recycled uid inherits nothing, and a falling
market still separates a good strategy from a bad one and still yields weights. Real evaluation rounds
in replay mode (day-1 USDC/WETH, whose busiest 800 blocks see token0 fall ~4% against token1, the unit
of value) with real axons on loopback; weights from the scores the rounds stored.

No `from __future__ import annotations`: the axons read forward annotations.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.urls import parse_database_url
from tests.conftest import run_in_own_loop
from tests.support import gaming_miners as g
from tests.support import scripted_miners as s
from tests.support.axon_network import AxonNetwork, axon_network
from tests.support.replay_rounds import ReplayWindow, day1_history, replay_rounds
from tests.support.round_rows import RoundRows, read_round_rows
from validator.scoring import EVALUATION_EMA_NEW
from validator.weights import JobScores, WeightVector, compute_weights
from validator.weights_loop import load_job_scores

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Pydantic serializer warnings:UserWarning"),
]

BEHAVIOURS = [s.sensible, g.falling_knife, s.hold, g.old_owner, g.new_owner]
UIDS = [0, 1, 2, 5, 5]


@dataclass(frozen=True)
class Played:
    rows: RoundRows
    weights: WeightVector


def _play(root: Path, network: AxonNetwork, name: str, window: ReplayWindow, behaviours: list[list[str]],
          hotkey_to_uid: dict[str, int]) -> Played:
    """Round ``i`` queries the miners named in ``behaviours[i]``; weights use ``hotkey_to_uid``."""
    async def play() -> Played:
        url = parse_database_url(f"sqlite://{root / f'{name}.sqlite3'}")
        async with replay_rounds(url, network, window) as rounds:
            for names in behaviours:
                rounds.endpoints[:] = [network.by_behaviour(b).endpoint() for b in names]
                await rounds.run(1)
            rows = await read_round_rows({m.hotkey: m.behaviour for m in network.miners})
            return Played(rows, compute_weights(await load_job_scores(), hotkey_to_uid))

    return run_in_own_loop(play())


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, AxonNetwork]]:
    day1_history()
    root = tmp_path_factory.mktemp("identity")
    with axon_network(root / "wallets", BEHAVIOURS, uids=UIDS) as network:
        yield root, network


def _registered(network: AxonNetwork, *names: str) -> dict[str, int]:
    return {network.by_behaviour(n).hotkey: network.by_behaviour(n).uid for n in names}


@pytest.mark.parametrize("target", ["pnl_vs_hodl", "pol"])
def test_in_a_falling_market_a_good_strategy_still_outranks_a_bad_one_and_weights_are_set(
        network: tuple[Path, AxonNetwork], target: str) -> None:
    root, net = network
    window = ReplayWindow(rounds=1, round_blocks=800, checkpoint_blocks=100, target=target,
                          job_id=f"falling-{target}")
    played = _play(root, net, f"falling-{target}", window, [["sensible", "falling_knife", "hold"]],
                   _registered(net, "sensible", "falling_knife", "hold"))
    rows = played.rows
    for name in ("sensible", "falling_knife", "hold"):  # everyone's absolute value fell
        assert int(rows.result(1, name)["final_value"]) < int(rows.result(1, name)["initial_value"])
    good, bad = rows.result(1, "sensible"), rows.result(1, "falling_knife")
    assert good["raw_score"] > bad["raw_score"] and good["rank_score"] > bad["rank_score"]
    weights = played.weights.as_dict()
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights[net.by_behaviour("sensible").uid] > weights.get(net.by_behaviour("falling_knife").uid, 0.0)


def test_a_new_hotkey_on_a_recycled_uid_starts_from_zero(network: tuple[Path, AxonNetwork]) -> None:
    root, net = network
    window = ReplayWindow(rounds=2, round_blocks=400, checkpoint_blocks=100, job_id="recycled")
    played = _play(root, net, "recycled", window, [["sensible", "old_owner"], ["sensible", "new_owner"]],
                   _registered(net, "sensible", "new_owner"))
    rows = played.rows
    old, new = rows.score("old_owner"), rows.score("new_owner")
    assert old["miner_uid"] == new["miner_uid"] == 5 and old["miner_hotkey"] != new["miner_hotkey"]
    assert old["evaluation_rounds"] == 1 and new["evaluation_rounds"] == 1
    assert float(new["evaluation_score"]) == pytest.approx(EVALUATION_EMA_NEW * rows.result(2, "new_owner")["rank_score"])
    assert float(old["evaluation_score"]) == pytest.approx(EVALUATION_EMA_NEW * rows.result(1, "old_owner")["rank_score"])
    # The old hotkey's reputation is not paid to the uid: the uid's weight is the new hotkey's alone.
    scores = {str(r["miner_hotkey"]): float(r["combined_score"]) for r in rows.scores.values()}
    without_old = JobScores("recycled", 1.0, {h: v for h, v in scores.items() if h != old["miner_hotkey"]})
    assert float(old["combined_score"]) > 0
    assert played.weights == compute_weights([without_old], _registered(net, "sensible", "new_owner"))
