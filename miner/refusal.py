"""The refusal policy: which jobs this miner declines, with the reason it tells the validator.

A refusal (``accepted=False``) is not penalized; the validator stops asking the miner for the rest of
that round. Refuse what the strategy is not built for rather than answer it badly: pools, jobs or
chains outside the configured lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from miner.view import QueryView


@dataclass(frozen=True, slots=True)
class RefusalPolicy:
    """Allow-lists of pools (lower-case addresses), job ids and chain ids; an empty list allows all."""

    pools: frozenset[str] = frozenset()
    jobs: frozenset[str] = frozenset()
    chain_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, pools: Iterable[str] = (), jobs: Iterable[str] = (), chain_ids: Iterable[int] = ()) -> RefusalPolicy:
        return cls(frozenset(p.lower() for p in pools), frozenset(jobs), frozenset(chain_ids))

    def reason_to_refuse(self, query: QueryView) -> str | None:
        """Why this miner declines the query, or None when it serves it."""
        if self.chain_ids and query.chain_id not in self.chain_ids:
            return f"chain {query.chain_id} is not served by this miner"
        if self.pools and query.pool not in self.pools:
            return f"pool {query.pool} is not served by this miner"
        if self.jobs and query.job_id not in self.jobs:
            return f"job {query.job_id} is not served by this miner"
        return None
