"""An independent token ledger of one miner's round, rebuilt from what the validator stored.

From the positions each checkpoint applied (the predictions row), the pool's exact price at each
checkpoint (a fresh replay of the same history) and the fees the round credited (the results row),
the tokens a strategy must end with follow from the contracts' own rules alone: a mint fixes
liquidity from the allocations (rounded down) and takes the amounts for it (rounded up); a burn
returns the liquidity's amounts at the price then (rounded down). Any token the simulation created
or lost beyond that, or any position valued from its allocations instead of its liquidity, makes
the ledger differ from the stored final amounts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from simulator.liquidity_amounts import get_liquidity_for_amounts
from simulator.portfolio import HeldPosition, burn_amounts, mint_amounts
from simulator.tickmath import get_sqrt_ratio_at_tick


def _burn_all(positions: Sequence[HeldPosition], price: int) -> tuple[int, int]:
    amounts = [burn_amounts(p, price) for p in positions]
    return sum(a for a, _ in amounts), sum(b for _, b in amounts)


def ledger_final_amounts(start: tuple[int, int], checkpoints: Sequence[dict[str, Any]], price_at: Callable[[int], int],
                         end_price: int, fees: tuple[int, int]) -> tuple[int, int]:
    """Raw token amounts (idle + positions at ``end_price`` + every fee) the miner must end with."""
    idle0, idle1 = start
    held: list[HeldPosition] = []
    for checkpoint in checkpoints:
        if checkpoint["outcome"] != "rebalanced":
            continue
        price = price_at(int(checkpoint["block"]))
        back0, back1 = _burn_all(held, price)
        idle0, idle1, held = idle0 + back0, idle1 + back1, []
        for lower, upper, allocation0, allocation1 in checkpoint["positions"]:
            liquidity = get_liquidity_for_amounts(price, get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper),
                                                  int(allocation0), int(allocation1))
            if liquidity == 0:
                continue
            taken0, taken1 = mint_amounts(lower, upper, liquidity, price)
            idle0, idle1 = idle0 - taken0, idle1 - taken1
            held.append(HeldPosition(lower, upper, liquidity))
    back0, back1 = _burn_all(held, end_price)
    return idle0 + back0 + fees[0], idle1 + back1 + fees[1]
