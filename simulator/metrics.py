"""A strategy's round metrics (DESIGN section 4), exact integers for every amount.

Values are in raw token1 units: ``floor(amount0 * sqrtP**2 / 2**192) + amount1`` at the Q64.96 price
of the moment (the initial price for the initial value, the final price for the rest). "Amounts" of
a strategy are what it could withdraw: idle tokens + every position burned at the price (rounded
down, as the pool pays) + uncollected fees.

- ``hodl_value``: the initial amounts held untouched, valued at the final price.
- ``pnl_vs_hodl = final_value - hodl_value``: what managing the liquidity earned over holding.
- ``fees_value``: the fees ever earned (``fees0``, ``fees1``), valued at the final price.
- ``impermanent_loss = final_value - fees_value - hodl_value``: the part of ``pnl_vs_hodl`` not
  explained by fees (negative when the positions lost value against holding, the usual case).
- ``time_in_range``: the share of the round's swaps after which the pool tick was inside one of the
  strategy's positions (``tick_lower <= tick < tick_upper``); 0 when the round had no swap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from simulator.portfolio import Portfolio, holdings, value_in_token1

__all__ = ["RoundStart", "StrategyMetrics", "compute_metrics"]


@dataclass(frozen=True, slots=True)
class StrategyMetrics:
    """One strategy's numbers over a round; amounts and values in raw token units."""

    initial_amount0: int
    initial_amount1: int
    final_amount0: int
    final_amount1: int
    initial_value: int
    final_value: int
    hodl_value: int
    fees0: int
    fees1: int
    fees_value: int
    impermanent_loss: int
    pnl_vs_hodl: int
    swaps_in_range: int
    swaps_total: int
    rebalance_count: int

    @property
    def delta0(self) -> int:
        """Change of token0 amount over the round (raw units)."""
        return self.final_amount0 - self.initial_amount0

    @property
    def delta1(self) -> int:
        """Change of token1 amount over the round (raw units)."""
        return self.final_amount1 - self.initial_amount1

    @property
    def time_in_range(self) -> float:
        """Share of swaps in range, in [0, 1]."""
        return self.swaps_in_range / self.swaps_total if self.swaps_total else 0.0

    @property
    def pnl_vs_hodl_ratio(self) -> float:
        """``pnl_vs_hodl / hodl_value`` (0 when the HODL value is 0)."""
        return self.pnl_vs_hodl / self.hodl_value if self.hodl_value else 0.0

    def to_json(self) -> dict[str, str | int | float]:
        """JSON-ready form: amounts and values as decimal strings (they exceed 2**53), counts as
        numbers, plus the derived deltas and ratios."""
        out: dict[str, str | int | float] = {}
        for key, value in asdict(self).items():
            counts = ("swaps_in_range", "swaps_total", "rebalance_count")
            out[key] = value if key in counts else str(value)
        out["delta0"] = str(self.delta0)
        out["delta1"] = str(self.delta1)
        out["time_in_range"] = self.time_in_range
        out["pnl_vs_hodl_ratio"] = self.pnl_vs_hodl_ratio
        return out


@dataclass(frozen=True, slots=True)
class RoundStart:
    """What a strategy held when the round began: its amounts and the pool's Q64.96 price."""

    amount0: int
    amount1: int
    sqrt_price_x96: int

    @classmethod
    def of(cls, portfolio: Portfolio, sqrt_price_x96: int) -> RoundStart:
        """The start of ``portfolio`` at the price (positions valued as positions)."""
        amount0, amount1 = holdings(portfolio, sqrt_price_x96)
        return cls(amount0, amount1, sqrt_price_x96)


def compute_metrics(
    start: RoundStart,
    portfolio: Portfolio,
    final_sqrt_price_x96: int,
    *,
    swaps_in_range: int,
    swaps_total: int,
) -> StrategyMetrics:
    """The metrics of ``portfolio`` at the final Q64.96 price against its ``start``."""
    final0, final1 = holdings(portfolio, final_sqrt_price_x96)
    final_value = value_in_token1(final0, final1, final_sqrt_price_x96)
    hodl_value = value_in_token1(start.amount0, start.amount1, final_sqrt_price_x96)
    fees_value = value_in_token1(portfolio.fees_earned0, portfolio.fees_earned1, final_sqrt_price_x96)
    return StrategyMetrics(
        initial_amount0=start.amount0,
        initial_amount1=start.amount1,
        final_amount0=final0,
        final_amount1=final1,
        initial_value=value_in_token1(start.amount0, start.amount1, start.sqrt_price_x96),
        final_value=final_value,
        hodl_value=hodl_value,
        fees0=portfolio.fees_earned0,
        fees1=portfolio.fees_earned1,
        fees_value=fees_value,
        impermanent_loss=final_value - fees_value - hodl_value,
        pnl_vs_hodl=final_value - hodl_value,
        swaps_in_range=swaps_in_range,
        swaps_total=swaps_total,
        rebalance_count=portfolio.rebalances,
    )
