"""Answering one query: refusal policy, strategy under the answer-time budget, a validated answer.

``MinerService.answer`` fills the response fields of a ``RebalanceQuery`` in place and returns it:

1. the request is parsed into a ``QueryView``; one the miner cannot read is refused with the reason;
2. the refusal policy may decline the job (``accepted=False`` and a reason: no penalty);
3. the strategy decides in a worker thread, within ``min(budget_s, 80% of the caller's timeout)``
   seconds; past that, or if it raises, the miner keeps its positions (a valid answer that costs
   nothing) and logs why;
4. the answer is checked with the validator's own ``protocol.validate_answer``; one it would reject
   becomes a keep (except for strategies marked ``sends_invalid_answers``, i.e. the ``faulty`` demo);
5. ``miner_metadata`` carries the miner's version and the strategy's one-line description.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

from loguru import logger

from miner.config import MinerSettings
from miner.errors import BadRequest
from miner.refusal import RefusalPolicy
from miner.strategies import build_strategy
from miner.strategies.base import Answer, Strategy
from miner.view import QueryView, view_of
from protocol.decisions import Keep, Rebalance, Refuse, Rejection
from protocol.models import MinerMetadata
from protocol.validation import AnswerContext, validate_answer

if TYPE_CHECKING:
    from protocol.synapse import RebalanceQuery

CALLER_TIMEOUT_SHARE = 0.8
"""Share of the caller's timeout (``synapse.timeout``, seconds) the strategy may use at most."""
ROUNDS_REMEMBERED = 1024
"""Rounds whose first query was logged at INFO (older ones are forgotten first)."""


def miner_version() -> str:
    """The installed package's version (the source tree's when not installed)."""
    try:
        return metadata.version("sn98-forevermoney")
    except metadata.PackageNotFoundError:
        return "0.1.0"


@dataclass(slots=True)
class ServiceStats:
    """Counts of what the miner answered since it started."""

    queries: int = 0
    refused: int = 0
    kept: int = 0
    rebalanced: int = 0
    over_budget: int = 0
    strategy_errors: int = 0
    unsafe_answers: int = 0


class MinerService:
    """One strategy behind a refusal policy and a time budget (see the module docstring)."""

    def __init__(self, strategy: Strategy, policy: RefusalPolicy | None = None, *, budget_s: float = 8.0,
                 workers: int = 4) -> None:
        self.strategy = strategy
        self.policy = policy or RefusalPolicy()
        self.budget_s = budget_s
        self.stats = ServiceStats()
        self.metadata = MinerMetadata(version=miner_version(), model_info=strategy.describe())
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="strategy")
        self._rounds_seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def close(self) -> None:
        """Stop the strategy threads (a decision still running finishes in the background)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def budget_for(self, synapse: RebalanceQuery) -> float:
        """Seconds the strategy may use for this query."""
        caller = synapse.timeout
        if caller is not None and caller > 0:
            return min(self.budget_s, CALLER_TIMEOUT_SHARE * caller)
        return self.budget_s

    async def answer(self, synapse: RebalanceQuery) -> RebalanceQuery:
        """Fill the response fields of ``synapse`` and return it."""
        began = time.perf_counter()
        self.stats.queries += 1
        self._log_new_round(synapse)
        try:
            query = view_of(synapse)
        except BadRequest as exc:
            return self._fill(synapse, Refuse(f"bad request: {exc}"), None, began)
        reason = self.policy.reason_to_refuse(query)
        if reason is not None:
            return self._fill(synapse, Refuse(reason), query, began)
        decision = await self._decide(query, self.budget_for(synapse))
        return self._fill(synapse, decision, query, began)

    async def _decide(self, query: QueryView, budget_s: float) -> Answer:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(self._pool, self.strategy.decide, query), budget_s)
        except TimeoutError:
            self.stats.over_budget += 1
            logger.warning("strategy {} took over {:.2f}s at block {} of {}; keeping positions",
                           self.strategy.name, budget_s, query.block_number, query.job_id)
        except Exception as exc:  # a strategy bug must not cost the round: keep, and say why
            self.stats.strategy_errors += 1
            logger.opt(exception=exc).error("strategy {} failed at block {} of {}; keeping positions",
                                            self.strategy.name, query.block_number, query.job_id)
        return Keep()

    def _fill(self, synapse: RebalanceQuery, decision: Answer, query: QueryView | None,
              began: float) -> RebalanceQuery:
        if query is not None and not self.strategy.sends_invalid_answers:
            decision = self._checked(synapse, decision, query)
        synapse.miner_metadata = self.metadata
        if isinstance(decision, Refuse):
            self.stats.refused += 1
            synapse.accepted, synapse.refusal_reason = False, decision.reason
            synapse.desired_positions = None
        elif isinstance(decision, Rebalance):
            self.stats.rebalanced += 1
            synapse.desired_positions = [p.to_wire() for p in decision.positions]
        else:
            self.stats.kept += 1
            synapse.desired_positions = [p.model_copy() for p in synapse.current_positions]
        logger.debug("answered job={} block={} outcome={} in {:.1f} ms", synapse.job_id, synapse.block_number,
                     type(decision).__name__.lower(), 1000 * (time.perf_counter() - began))
        return synapse

    def _log_new_round(self, synapse: RebalanceQuery) -> None:
        """One INFO line per round and caller: what the miner is serving, without a line per query."""
        caller = synapse.dendrite.hotkey if synapse.dendrite is not None else None
        key = (synapse.round_id, str(caller))
        if key in self._rounds_seen:
            return
        self._rounds_seen[key] = None
        if len(self._rounds_seen) > ROUNDS_REMEMBERED:
            self._rounds_seen.popitem(last=False)
        logger.info("serving {} round {} of job {} (pool {}) for {}", synapse.round_type, synapse.round_id,
                    synapse.job_id, synapse.pair_address, caller or "an unsigned caller")

    def _checked(self, synapse: RebalanceQuery, decision: Answer, query: QueryView) -> Answer:
        """``decision`` if the validator would accept it, else a keep (logged as a strategy bug)."""
        if not isinstance(decision, Rebalance):
            return decision
        context = AnswerContext(tick_spacing=query.tick_spacing, inventory0=query.inventory0 or 0,
                                inventory1=query.inventory1 or 0, current_positions=query.positions)
        verdict = validate_answer(_response_fields(decision), context)
        if isinstance(verdict, Rejection):
            self.stats.unsafe_answers += 1
            logger.error("strategy {} proposed an answer the validator rejects ({}: {}); keeping positions",
                         self.strategy.name, verdict.code.value, verdict.message)
            return Keep()
        return decision


def build_service(settings: MinerSettings, strategy: str | None = None) -> MinerService:
    """``strategy`` (default: the one the settings name) behind the configured refusal policy and budget."""
    policy = RefusalPolicy.of(settings.served_pools, settings.served_jobs, settings.served_chain_ids)
    return MinerService(build_strategy(strategy or settings.strategy, settings), policy,
                        budget_s=settings.answer_budget_seconds)


def _response_fields(decision: Rebalance) -> dict[str, Any]:
    """The response as the validator reads it off the wire (JSON values)."""
    return {"accepted": True, "desired_positions": [p.to_wire().model_dump() for p in decision.positions]}
