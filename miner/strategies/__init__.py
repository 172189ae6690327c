"""Strategies of the reference miner, by the name ``--strategy`` selects.

``volatility`` (default): a range sized by realized volatility, re-centred near its edges.
``hold``: keeps everything (the HODL baseline). ``full-range``: the whole inventory over every tick,
once. ``faulty``: over-allocates on purpose, for demos of a rejected miner (never on a real network).
Write your own by subclassing ``Strategy`` (see ``miner.strategies.base``) and adding it here.
"""

from __future__ import annotations

from collections.abc import Callable

from miner.config import MinerSettings
from miner.errors import UnknownStrategy
from miner.strategies.base import Answer, Strategy
from miner.strategies.faulty import Faulty
from miner.strategies.hold import FullRange, Hold
from miner.strategies.volatility import VolatilityParams, VolatilityRange

__all__ = ["Answer", "Strategy", "STRATEGY_NAMES", "VALID_STRATEGY_NAMES", "build_strategy"]


def _volatility(settings: MinerSettings) -> Strategy:
    return VolatilityRange(VolatilityParams(
        window=settings.vol_window,
        horizon_blocks=settings.vol_horizon_blocks,
        width_sigmas=settings.vol_width_sigmas,
        default_half_width=settings.vol_default_half_width_ticks,
        min_half_width=settings.vol_min_half_width_ticks,
        max_half_width=settings.vol_max_half_width_ticks,
        edge_fraction=settings.vol_edge_fraction,
        rewidth_factor=settings.vol_rewidth_factor,
    ))


_FACTORIES: dict[str, Callable[[MinerSettings], Strategy]] = {
    VolatilityRange.name: _volatility,
    Hold.name: lambda _: Hold(),
    FullRange.name: lambda _: FullRange(),
    Faulty.name: lambda _: Faulty(),
}
STRATEGY_NAMES: tuple[str, ...] = tuple(_FACTORIES)
VALID_STRATEGY_NAMES: tuple[str, ...] = tuple(n for n in STRATEGY_NAMES if n != Faulty.name)
"""The strategies whose answers always pass the validator's validation."""


def build_strategy(name: str, settings: MinerSettings) -> Strategy:
    """A fresh strategy named ``name``, configured from ``settings``."""
    factory = _FACTORIES.get(name.lower())
    if factory is None:
        raise UnknownStrategy(f"unknown strategy {name!r} (known: {', '.join(STRATEGY_NAMES)})")
    return factory(settings)
