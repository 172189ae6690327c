"""Per-miner bookkeeping of one evaluation round: its answers, compactly, and its counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.models import PredictionOutcome
from protocol.decisions import Keep, PositionSpec, Rebalance, Refuse, Rejection, ReasonCode
from validator.miners.types import MinerEndpoint, MinerReply, ReplyStatus

_FAILED_OUTCOME = {
    ReplyStatus.TIMEOUT: PredictionOutcome.TIMEOUT,
    ReplyStatus.UNREACHABLE: PredictionOutcome.TRANSPORT_ERROR,
    ReplyStatus.REJECTED: PredictionOutcome.TRANSPORT_ERROR,
    ReplyStatus.MINER_ERROR: PredictionOutcome.TRANSPORT_ERROR,
    ReplyStatus.TRANSPORT_ERROR: PredictionOutcome.TRANSPORT_ERROR,
    ReplyStatus.OVERSIZED: PredictionOutcome.TRANSPORT_ERROR,
}


@dataclass(slots=True)
class MinerSlot:
    """One miner in one round: its strategy index in the simulation and what it answered."""

    index: int
    endpoint: MinerEndpoint
    refused: bool = False
    refusal_reason: str | None = None
    valid_answers: int = 0
    rejected_answers: int = 0
    failed_queries: int = 0
    rebalances: int = 0
    response_ms_total: int = 0
    responses: int = 0
    last_outcome: PredictionOutcome = PredictionOutcome.NO_ANSWER
    checkpoints: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        """Refusing before any valid answer declines the round (not scored, no penalty); a miner
        that refuses after playing is scored on its portfolio as it stands, held to the round's end,
        so that refusing a round once it looks bad cannot erase the loss."""
        return not self.refused or self.valid_answers > 0

    def answer_fingerprint(self) -> tuple[tuple[object, ...], ...]:
        """Everything this miner answered in the round, in order (outcomes, reasons, positions;
        not timings): equal fingerprints mean identical play (copies share one rank score)."""
        return tuple((c["block"], c["outcome"], c["reason_code"],
                      None if c["positions"] is None else tuple(tuple(p) for p in c["positions"]))
                     for c in self.checkpoints)

    @property
    def mean_response_ms(self) -> float:
        return self.response_ms_total / self.responses if self.responses else float("inf")

    def record(self, block: int, outcome: PredictionOutcome, reply: MinerReply, reason_code: str | None = None,
               positions: tuple[PositionSpec, ...] | None = None) -> None:
        self.last_outcome = outcome
        if reply.status is ReplyStatus.OK:
            self.response_ms_total += reply.elapsed_ms
            self.responses += 1
        wire = None if positions is None else [[p.tick_lower, p.tick_upper, str(p.allocation0), str(p.allocation1)]
                                                for p in positions]
        self.checkpoints.append({"block": block, "outcome": outcome.value, "reason_code": reason_code,
                                 "ms": reply.elapsed_ms, "positions": wire})

    def failed(self, block: int, reply: MinerReply) -> PredictionOutcome:
        outcome = _FAILED_OUTCOME.get(reply.status, PredictionOutcome.TRANSPORT_ERROR)
        self.failed_queries += 1
        self.record(block, outcome, reply, reason_code=reply.status.value)
        return outcome


def outcome_of(decision: Refuse | Keep | Rebalance | Rejection) -> PredictionOutcome:
    if isinstance(decision, Refuse):
        return PredictionOutcome.REFUSED
    if isinstance(decision, Keep):
        return PredictionOutcome.KEPT
    if isinstance(decision, Rebalance):
        return PredictionOutcome.REBALANCED
    if decision.code is ReasonCode.NO_ANSWER:
        return PredictionOutcome.NO_ANSWER
    return PredictionOutcome.REJECTED
