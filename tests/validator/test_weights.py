"""The weight formula: sharpening, job weights, burn share, hotkey identity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.weights import JobScores, WeightsError, compute_weights, sharpen

UIDS = {"a": 1, "b": 2, "c": 3}


def test_sharpening_favours_the_best() -> None:
    assert sharpen({"a": 0.8, "b": 0.4}, 2.0) == pytest.approx({"a": 0.8, "b": 0.2})
    assert sharpen({"a": 0.0, "b": -1.0}, 2.0) == {}


def test_jobs_are_summed_by_their_weight() -> None:
    jobs = [JobScores("j1", 3.0, {"a": 1.0}), JobScores("j2", 1.0, {"b": 0.5, "c": 0.5})]
    weights = compute_weights(jobs, UIDS, sharpness=1.0).as_dict()
    assert weights == pytest.approx({1: 0.75, 2: 0.125, 3: 0.125})


def test_burn_share_goes_to_the_owner_and_the_rest_scales() -> None:
    weights = compute_weights([JobScores("j", 1.0, {"a": 1.0, "b": 1.0})], UIDS, burn_share=0.2, owner_uid=0)
    assert weights.as_dict() == pytest.approx({0: 0.2, 1: 0.4, 2: 0.4})
    nobody = compute_weights([JobScores("j", 1.0, {})], UIDS, burn_share=0.2, owner_uid=0)
    assert nobody.as_dict() == {0: 1.0}
    with pytest.raises(WeightsError):
        compute_weights([], UIDS, burn_share=0.5)


def test_unregistered_hotkeys_get_nothing() -> None:
    # uid 2 was recycled: the old hotkey "b" still has a score but no uid any more.
    weights = compute_weights([JobScores("j", 1.0, {"a": 0.5, "b": 0.9})], {"a": 1, "new": 2})
    assert weights.as_dict() == {1: 1.0}


@given(st.lists(st.tuples(st.floats(0, 10), st.dictionaries(st.sampled_from("abc"), st.floats(-1, 1))), max_size=4),
       st.floats(0, 1))
def test_weights_always_sum_to_one_or_are_empty(jobs: list[tuple[float, dict[str, float]]], burn: float) -> None:
    vector = compute_weights([JobScores(str(i), w, s) for i, (w, s) in enumerate(jobs)], UIDS,
                             burn_share=burn, owner_uid=0)
    total = sum(vector.weights)
    assert total == pytest.approx(1.0) or (total == 0 and not vector.uids)
    assert all(w >= 0 for w in vector.weights)
