"""Round-score targets: a miner's exact round metrics -> one raw score (higher is better).

They live in the simulator so that a miner's offline backtest scores exactly as validators do.
A job names its target; ``target_named`` resolves it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from simulator.metrics import StrategyMetrics

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
