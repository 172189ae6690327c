"""Instruments for measuring the validator from inside its own process.

- ``StatementCounter``: counts the SQL statements the ORM sends, by listening to Tortoise's
  ``tortoise.db_client`` logger (every ``execute_*`` call logs its statement once at DEBUG; a bulk
  ``executemany`` batch counts once; the BEGIN/COMMIT around a transaction are not logged).
- ``ProbeTransport``: the real ``DendriteTransport`` that also keeps, per round id, the wall time
  spent waiting in ``query_many`` (seconds) and the failed queries by cause (the reply status).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from validator.miners.dendrite_v10 import DendriteTransport
from validator.miners.types import MinerEndpoint, MinerReply, RebalanceRequest, ReplyStatus

DB_CLIENT_LOGGER = "tortoise.db_client"


class StatementCounter(logging.Handler):
    """``with StatementCounter() as counter: ...; counter.count`` (statements since entering or ``reset``)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.count = 0
        self._logger = logging.getLogger(DB_CLIENT_LOGGER)
        self._saved_level = self._logger.level
        self._saved_propagate = self._logger.propagate

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1  # never formats the record: counting must not cost what it measures

    def reset(self) -> None:
        self.count = 0

    def __enter__(self) -> StatementCounter:
        # bittensor's import sets every existing logger to CRITICAL: set DEBUG after it, and keep
        # these records away from other handlers (formatting 1,000-row inserts is not free).
        self._logger.setLevel(logging.DEBUG)
        self._logger.propagate = False
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._saved_level)
        self._logger.propagate = self._saved_propagate


@dataclass(slots=True)
class RoundWaits:
    """What one round's queries cost in waiting: ``wait_s`` of wall time inside ``query_many``."""

    wait_s: float = 0.0
    queries: int = 0
    failed: Counter[str] = field(default_factory=Counter)


class ProbeTransport(DendriteTransport):
    """``DendriteTransport`` recording, per round id, waits and failures (``rounds[round_id]``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rounds: defaultdict[str, RoundWaits] = defaultdict(RoundWaits)

    async def query_many(self, requests: Sequence[tuple[MinerEndpoint, RebalanceRequest]],
                         timeout_s: float) -> list[MinerReply]:
        began = time.perf_counter()
        replies = await super().query_many(requests, timeout_s)
        if requests:
            waits = self.rounds[requests[0][1].round_id]
            waits.wait_s += time.perf_counter() - began
            waits.queries += len(replies)
            waits.failed.update(r.status.value for r in replies if r.status is not ReplyStatus.OK)
        return replies
