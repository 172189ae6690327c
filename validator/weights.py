"""From per-job combined scores to one weight vector over uids (DESIGN section 5).

Per job: combined scores are sharpened (raised to ``sharpness``) and normalised to sum 1, so the
best miners of a job take most of its share. Jobs are then summed by their weight (normalised
over the jobs that have any score). An optional ``burn_share`` goes to the owner's uid and the rest
is scaled by ``1 - burn_share``. Miners are keyed by hotkey: a score whose hotkey is no longer
registered (deregistered, or its uid recycled to a new hotkey) maps to no uid and is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


class WeightsError(ValueError):
    """Weights cannot be formed from the given inputs."""


@dataclass(frozen=True, slots=True)
class JobScores:
    """One job's combined scores by hotkey and the job's weight among jobs."""

    job_id: str
    weight: float
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class WeightVector:
    """Weights by uid summing to 1 (or empty when nobody scored and nothing is burned)."""

    uids: tuple[int, ...]
    weights: tuple[float, ...]

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.uids, self.weights))


def sharpen(scores: Mapping[str, float], sharpness: float) -> dict[str, float]:
    """``s**sharpness`` normalised to sum 1; non-positive and non-finite scores get nothing."""
    if sharpness <= 0 or not math.isfinite(sharpness):
        raise WeightsError(f"sharpness must be a positive number, got {sharpness}")
    powered = {k: v ** sharpness for k, v in scores.items() if math.isfinite(v) and v > 0}
    total = sum(powered.values())
    return {k: v / total for k, v in powered.items()} if total > 0 else {}


def compute_weights(
    jobs: list[JobScores], hotkey_to_uid: Mapping[str, int], *, sharpness: float = 2.0,
    burn_share: float = 0.0, owner_uid: int | None = None,
) -> WeightVector:
    """The weight of every uid; see the module docstring for the formula."""
    if not 0.0 <= burn_share <= 1.0:
        raise WeightsError(f"burn_share must be in [0, 1], got {burn_share}")
    if burn_share > 0 and owner_uid is None:
        raise WeightsError("burn_share > 0 needs the owner's uid")
    per_job = [(job.weight, sharpen({h: s for h, s in job.scores.items() if h in hotkey_to_uid}, sharpness))
               for job in jobs if job.weight > 0]
    per_job = [(weight, shares) for weight, shares in per_job if shares]
    total_job_weight = sum(weight for weight, _ in per_job)
    by_uid: dict[int, float] = {}
    miners_share = 1.0 - burn_share if per_job else 0.0
    for weight, shares in per_job:
        for hotkey, share in shares.items():
            uid = hotkey_to_uid[hotkey]
            by_uid[uid] = by_uid.get(uid, 0.0) + miners_share * (weight / total_job_weight) * share
    if burn_share > 0 and owner_uid is not None:
        by_uid[owner_uid] = by_uid.get(owner_uid, 0.0) + (burn_share if per_job else 1.0)
    uids = tuple(sorted(by_uid))
    return WeightVector(uids, tuple(by_uid[u] for u in uids))
