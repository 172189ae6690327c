"""Round scores, reputation and the round winner (DESIGN section 5).

A *target* (``simulator.targets``) turns one miner's exact round metrics into a raw score (a float, higher is better);
raw scores are stored as they are. The evaluation EMA is fed a *rank score* in [0, 1] instead, so
that a calm round and a volatile one weigh alike. Refusals are not scored at all (no penalty); a
miner with no valid answer in the round gets the worst rank score, 0.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

# The EMAs and the combined score (EVALUATION_WEIGHT * evaluation + LIVE_WEIGHT * live) are computed
# inside the database, in one statement per round (``validator.round_store``).
EVALUATION_EMA_OLD = 0.9
EVALUATION_EMA_NEW = 0.1
LIVE_EMA_OLD = 0.7
LIVE_EMA_NEW = 0.3
EVALUATION_WEIGHT = 0.6
LIVE_WEIGHT = 0.4


def rank_scores(raw: Mapping[str, float | None]) -> dict[str, float]:
    """Rank-normalise raw scores to [0, 1]: the share of the other miners each one beats, ties
    counting half. ``None`` (no valid answer in the round) ranks below everyone and scores 0."""
    valid = {key: value for key, value in raw.items() if value is not None and math.isfinite(value)}
    others = len(raw) - 1
    result: dict[str, float] = {key: 0.0 for key in raw}
    if others <= 0:
        return {key: (1.0 if key in valid else 0.0) for key in raw}
    ordered = sorted(valid.values())
    invalid = len(raw) - len(valid)
    for key, value in valid.items():
        below = bisect_left(ordered, value)
        ties = bisect_right(ordered, value) - below - 1
        result[key] = (below + invalid + 0.5 * ties) / others
    return result


def rank_scores_sharing_copies(raw: Mapping[str, float | None], answers: Mapping[str, Hashable]) -> dict[str, float]:
    """``rank_scores`` where miners whose whole answer sequence in the round is identical split one rank.

    ``answers`` maps hotkeys to a fingerprint of everything each answered in the round (hotkeys
    missing from it stand alone). Identical play gives identical raw scores, so each group of ``k``
    copies is ranked as ONE miner among the distinct answer sequences and each copy gets ``1/k`` of
    that rank score. Registering more hotkeys to repeat a strategy therefore adds nothing: the group
    earns exactly what one of them alone would, and no one else's rank moves.
    """
    groups: dict[Hashable, list[str]] = {}
    for key in raw:
        if key in answers:
            groups.setdefault(answers[key], []).append(key)
    lead = {key: members[0] for members in groups.values() for key in members}
    distinct = {key: value for key, value in raw.items() if lead.get(key, key) == key}
    ranked = rank_scores(distinct)
    sizes = {members[0]: len(members) for members in groups.values()}
    return {key: ranked[lead.get(key, key)] / sizes.get(lead.get(key, key), 1) for key in raw}


@dataclass(frozen=True, slots=True)
class Contender:
    """A miner competing for a round's win. ``raw`` None: no valid answer (cannot win)."""

    hotkey: str
    uid: int
    raw: float | None
    previous_combined: float
    response_ms: float


def winner(contenders: Sequence[Contender]) -> Contender | None:
    """Best raw score; ties go to the higher earlier combined score, then the faster mean response,
    then the lower uid. Miners without a valid answer never win."""
    eligible = [c for c in contenders if c.raw is not None and math.isfinite(c.raw)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (-(c.raw or 0.0), -c.previous_combined, c.response_ms, c.uid))


def live_rank(live_raw: float, evaluation_raws: Sequence[float]) -> float:
    """The live score: the share of the concurrent evaluation round's raw scores that the vault's
    realised raw score beats or ties, in [0, 1] (1.0 when there is nothing to compare against)."""
    finite = [value for value in evaluation_raws if math.isfinite(value)]
    if not finite:
        return 1.0
    return sum(1 for value in finite if live_raw >= value) / len(finite)
