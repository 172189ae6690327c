"""Round scores, reputation and the round winner (DESIGN section 5).

A *target* turns one miner's exact round metrics into a raw score (a float, higher is better);
raw scores are stored as they are. The evaluation EMA is fed a *rank score* in [0, 1] instead, so
that a calm round and a volatile one weigh alike. Refusals are not scored at all (no penalty); a
miner with no valid answer in the round gets the worst rank score, 0.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from simulator.metrics import StrategyMetrics

EVALUATION_EMA_OLD = 0.9
EVALUATION_EMA_NEW = 0.1
LIVE_EMA_OLD = 0.7
LIVE_EMA_NEW = 0.3
EVALUATION_WEIGHT = 0.6
LIVE_WEIGHT = 0.4
POL_LOSS_PENALTY = 10.0
RETURN_CLAMP = 10.0

Target = Callable[[StrategyMetrics], float]


class UnknownTarget(ValueError):
    """A job names a target that is not registered."""


def _ratio(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` of exact ints as a float clamped to +-RETURN_CLAMP (0 if empty)."""
    if denominator <= 0:
        return 0.0
    return max(-RETURN_CLAMP, min(RETURN_CLAMP, numerator / denominator))


def pnl_vs_hodl(metrics: StrategyMetrics) -> float:
    """What managing the liquidity earned over holding the initial tokens, per unit of initial value."""
    return _ratio(metrics.final_value - metrics.hodl_value, metrics.initial_value)


def inventory_loss(metrics: StrategyMetrics) -> float:
    """The largest relative loss of either token over the round, in [0, 1]."""
    losses = [
        max(0, initial - final) / initial
        for initial, final in ((metrics.initial_amount0, metrics.final_amount0),
                               (metrics.initial_amount1, metrics.final_amount1))
        if initial > 0
    ]
    return max(losses, default=0.0)


def proof_of_liquidity(metrics: StrategyMetrics) -> float:
    """SN98's PoL target: value growth, smoothly penalised by the share of inventory lost.

    ``growth * exp(-10 * loss)`` when growing, ``growth / exp(-10 * loss)`` when shrinking, so losing
    tokens always lowers the score (a 10% loss costs 63% of a gain, a 50% loss 99%).
    """
    growth = _ratio(metrics.final_value - metrics.initial_value, metrics.initial_value)
    penalty = math.exp(-POL_LOSS_PENALTY * inventory_loss(metrics))
    return growth * penalty if growth >= 0 else growth / penalty


TARGETS: dict[str, Target] = {"pnl_vs_hodl": pnl_vs_hodl, "pol": proof_of_liquidity}


def target_named(name: str) -> Target:
    try:
        return TARGETS[name.lower()]
    except KeyError:
        raise UnknownTarget(f"unknown target {name!r} (known: {', '.join(TARGETS)})") from None


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




def ema(old: float, new: float, old_weight: float) -> float:
    """``old_weight * old + (1 - old_weight) * new``."""
    return old_weight * old + (1.0 - old_weight) * new


def combined_score(evaluation: float, live: float) -> float:
    return EVALUATION_WEIGHT * evaluation + LIVE_WEIGHT * live


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
