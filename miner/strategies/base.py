"""The interface a miner's strategy implements, and what it may answer.

A strategy turns one checkpoint (``QueryView``: exact price, tick, tick spacing, the miner's current
positions and the inventory it may use) into one of the protocol's outcomes:

- ``Keep()``: leave the current positions as they are (the miner sends them back unchanged);
- ``Rebalance(positions)``: burn the current positions and mint these (``PositionSpec`` with ticks on
  the tick spacing and allocations in raw token units that together fit in the inventory);
- ``Refuse(reason)``: decline this job for the rest of the round (no penalty).

``decide`` is plain synchronous code: the miner runs it in a worker thread under the answer-time
budget, so it may take a while without blocking the axon, and whatever it returns is checked with the
validator's own ``protocol.validate_answer`` before it is sent (a rejected answer becomes a keep).
Strategies may keep state between queries (price history); it must be safe to call ``decide`` from
several threads at once.

Writing your own::

    class Mine(Strategy):
        name = "mine"

        def decide(self, query: QueryView) -> Answer:
            if not query.has_inventory:
                return Keep()
            return Rebalance((PositionSpec(lower, upper, query.inventory0, query.inventory1),))
"""

from __future__ import annotations

import abc
from typing import ClassVar

from miner.view import QueryView
from protocol.decisions import Keep, Rebalance, Refuse

Answer = Keep | Rebalance | Refuse
"""What ``Strategy.decide`` returns."""


class Strategy(abc.ABC):
    """Base class of the miner's strategies; ``name`` is what ``--strategy`` selects."""

    name: ClassVar[str]
    sends_invalid_answers: ClassVar[bool] = False
    """True only for strategies that must reach the validator unchecked (the ``faulty`` demo)."""

    def describe(self) -> str:
        """One line for ``miner_metadata.model_info`` and logs: the name and the parameters that matter."""
        return self.name

    @abc.abstractmethod
    def decide(self, query: QueryView) -> Answer:
        """The answer to one checkpoint (see the module docstring)."""
