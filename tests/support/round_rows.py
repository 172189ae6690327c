"""The jobs DB rows that replayed rounds leave behind, keyed by round number and miner behaviour.

Read inside the harness's DB context (``tests.support.replay_rounds``); behaviours are the axons'
forward names (``tests.support.axon_network``), so a test reads ``rows.result(1, "sensible")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.models import MinerScore, Prediction, Round, RoundResult


@dataclass(frozen=True, slots=True)
class RoundRows:
    """Rounds (by number), results and predictions (by round number and behaviour), scores (by hotkey)."""

    rounds: dict[int, dict[str, Any]]
    results: dict[tuple[int, str], dict[str, Any]]
    predictions: dict[tuple[int, str], dict[str, Any]]
    scores: dict[str, dict[str, Any]]
    names: dict[str, str]

    def result(self, number: int, behaviour: str) -> dict[str, Any]:
        return self.results[(number, behaviour)]

    def prediction(self, number: int, behaviour: str) -> dict[str, Any]:
        return self.predictions[(number, behaviour)]

    def score(self, behaviour: str) -> dict[str, Any]:
        return next(s for hotkey, s in self.scores.items() if self.names.get(hotkey) == behaviour)

    def reason_codes(self, number: int, behaviour: str) -> list[str | None]:
        return [c["reason_code"] for c in self.prediction(number, behaviour)["checkpoints"]]


async def read_round_rows(names: dict[str, str]) -> RoundRows:
    """Every row of every round; ``names`` maps hotkeys to behaviour names."""
    rounds = {int(r["round_number"]): r for r in await Round.all().values()}
    number = {int(r["id"]): n for n, r in rounds.items()}
    results = {(number[int(r["round_id"])], names[str(r["miner_hotkey"])]): r for r in await RoundResult.all().values()}
    predictions = {(number[int(p["round_id"])], names[str(p["miner_hotkey"])]): p
                   for p in await Prediction.all().values()}
    scores = {str(s["miner_hotkey"]): s for s in await MinerScore.all().values()}
    return RoundRows(rounds, results, predictions, scores, names)
