"""Setting weights: every interval, from the active jobs' combined scores, within the chain's rules.

Per attempt: read every active job's combined scores (by hotkey) and weight; map hotkeys to the
uids they hold now (a hotkey that left the subnet gets nothing); compute the vector
(``validator.weights``); then either set it on chain, if the weights rate limit allows, through
``ChainClient.set_weights`` (whose ``WeightsResult.success`` is checked: bittensor's failed
response objects are truthy) or, in local mode, only log it. Every attempt is stored in
``weight_sets``. A failure is logged and retried at the next interval; it never stops the daemon.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from loguru import logger

from db.models import Job, MinerScore, WeightSet
from validator._waiting import sleep_or_stop
from validator.subtensor.client import ChainClient
from validator.subtensor.errors import ChainClientError
from validator.telemetry import ValidatorMetrics
from validator.weights import JobScores, WeightVector, compute_weights

UidLookup = Callable[[], Awaitable[tuple[dict[str, int], int | None, int]]]
"""Returns (hotkey -> uid now, the owner's uid or None, the current block)."""


@dataclass(frozen=True, slots=True)
class WeightsSettings:
    netuid: int
    version_key: int
    interval_s: float = 1200.0
    sharpness: float = 2.0
    burn_share: float = 0.0


async def load_job_scores() -> list[JobScores]:
    """Combined scores of every active job (one query for the jobs, one for the scores)."""
    jobs = {row["id"]: row for row in await Job.filter(is_active=True).values("id", "job_id", "weight")}
    scores: dict[int, dict[str, float]] = {job_id: {} for job_id in jobs}
    for row in await MinerScore.filter(job_id__in=list(jobs)).values("job_id", "miner_hotkey", "combined_score"):
        scores[int(row["job_id"])][str(row["miner_hotkey"])] = float(row["combined_score"])
    return [JobScores(str(jobs[i]["job_id"]), float(jobs[i]["weight"]), scores[i]) for i in jobs]


class WeightSetter:
    """One validator's weight setting; ``chain`` None means local mode (log and store only)."""

    def __init__(self, settings: WeightsSettings, uids: UidLookup, chain: ChainClient | None,
                 own_uid: Callable[[Mapping[str, int]], int | None], metrics: ValidatorMetrics | None = None) -> None:
        self.settings = settings
        self.uids = uids
        self.chain = chain
        self.own_uid = own_uid
        self.metrics = metrics

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.set_once()
            except Exception as exc:  # the next interval retries; the daemon goes on
                logger.opt(exception=exc).error("setting weights failed: {!r}", exc)
            await sleep_or_stop(self.settings.interval_s, stop)

    async def set_once(self) -> WeightSet | None:
        hotkey_to_uid, owner_uid, block = await self.uids()
        vector = compute_weights(await load_job_scores(), hotkey_to_uid, sharpness=self.settings.sharpness,
                                 burn_share=self.settings.burn_share if owner_uid is not None else 0.0,
                                 owner_uid=owner_uid)
        if not vector.uids:
            logger.info("no weights to set yet (no scored miner is registered)")
            return None
        success, message = await self._submit(vector, self.own_uid(hotkey_to_uid))
        if self.metrics is not None:
            self.metrics.record_weights(success, block)
        shown = " ".join(f"{u}:{w:.4f}" for u, w in zip(vector.uids, vector.weights))
        logger.info("weights block={} success={} {} [{}]", block, success, message, shown)
        return await WeightSet.create(block=block, network="local" if self.chain is None else "chain",
                                      uids=list(vector.uids), weights=list(vector.weights), success=success,
                                      message=message[:2000])

    async def _submit(self, vector: WeightVector, uid: int | None) -> tuple[bool, str]:
        """Set ``vector`` on chain as validator ``uid`` (None: not registered), within the rate limit."""
        if self.chain is None:
            return True, "local network: logged and stored, not set on chain"
        if uid is None:
            return False, "this validator's hotkey is not registered on the subnet"
        try:
            limit = await self.chain.weights_rate_limit(self.settings.netuid)
            since = await self.chain.blocks_since_last_update(self.settings.netuid, uid)
            if since < limit:
                return False, f"rate limited: {since} blocks since the last update, limit {limit}"
            result = await self.chain.set_weights(self.settings.netuid, vector.uids, vector.weights,
                                                  version_key=self.settings.version_key, wait_for_inclusion=True)
        except (ChainClientError, ValueError) as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return result.success, result.message
