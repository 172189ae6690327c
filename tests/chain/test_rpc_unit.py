"""Pure parts of chain access: error classification, endpoint choice, bitmap scan bounds, ABI codec."""

from __future__ import annotations

import time

import pytest

from simulator.tickmath import MAX_TICK, MIN_TICK
from validator.chain._rpc_errors import Transient, endpoint_label, http_failure, item_error
from validator.chain.abi import contract
from validator.chain.errors import (
    RpcCallReverted,
    RpcRangeError,
    RpcRateLimited,
    RpcResponseError,
    RpcUnavailable,
)
from validator.chain.logs import windows
from validator.chain.rpc import RpcClient, RpcOptions
from validator.chain.ticks import ticks_in_word, word_range


@pytest.mark.parametrize(
    ("method", "error", "kind", "retried"),
    [
        ("eth_getLogs", {"code": -32005, "message": "query returned more than 10000 results"}, RpcRangeError, False),
        ("eth_getLogs", {"code": -32602, "message": "block range is too large"}, RpcRangeError, False),
        ("eth_getLogs", {"code": -32005, "message": "daily request count exceeded, request rate limited"},
         RpcRateLimited, True),
        ("eth_call", {"code": 3, "message": "execution reverted", "data": "0x82b42900"}, RpcCallReverted, False),
        ("eth_call", {"code": -32000, "message": "header not found"}, RpcUnavailable, True),
        ("eth_foo", {"code": -32601, "message": "the method eth_foo does not exist"}, RpcResponseError, False),
        ("eth_call", {"code": 429, "message": "Too Many Requests"}, RpcRateLimited, True),
    ],
)
def test_rpc_error_payloads_are_classified_for_retry_split_or_the_caller(
    method: str, error: dict[str, object], kind: type[Exception], retried: bool
) -> None:
    outcome = item_error("rpc1(x)", method, error)
    if retried:
        assert isinstance(outcome, Transient) and type(outcome.public) is kind
    else:
        assert type(outcome) is kind


def test_http_429_is_a_rate_limit_and_other_statuses_fail_over() -> None:
    assert type(http_failure("rpc1(x)", 429).public) is RpcRateLimited
    assert type(http_failure("rpc1(x)", 503).public) is RpcUnavailable


def test_endpoint_labels_keep_only_the_host() -> None:
    assert endpoint_label(0, "https://user:pw@base.example.org/v2/SECRETKEY?apikey=X") == "rpc1(base.example.org)"


def test_a_failed_endpoint_is_skipped_during_its_cooldown_then_tried_again() -> None:
    client = RpcClient(["http://a.invalid", "http://b.invalid"], RpcOptions(cooldown_s=0.05, cooldown_max_s=0.05))
    first, second = client.endpoints
    assert client.pick() is first
    first.record_failure(client.options)
    assert client.pick() is second
    second.record_failure(client.options)
    second.record_failure(client.options)
    assert client.pick() is first  # both down: the one whose cooldown ends first
    time.sleep(0.06)
    assert client.pick() is first  # both healthy again: fewer recent failures wins
    first.record_success()
    assert first.failures == 0


@pytest.mark.parametrize("spacing", [1, 10, 60, 200])
def test_the_bitmap_scan_covers_every_word_when_allowed_and_centres_on_the_tick_when_bounded(spacing: int) -> None:
    first, last = word_range(spacing, 0, 10_000)
    assert first * 256 * spacing <= MIN_TICK and (last + 1) * 256 * spacing > MAX_TICK
    low, high = word_range(spacing, 200_000, 8)
    assert high - low + 1 == min(8, last - first + 1)
    assert low <= (200_000 // spacing) >> 8 <= high


def test_set_bits_of_a_word_are_its_initialized_ticks() -> None:
    assert ticks_in_word(-1, (1 << 255) | 1, 60) == [-256 * 60, -60]
    assert ticks_in_word(2, 0b1010, 10) == [(512 + 1) * 10, (512 + 3) * 10]


def test_log_windows_cover_the_range_in_order_without_overlap() -> None:
    assert windows(10, 25, 7) == [(10, 16), (17, 23), (24, 25)]
    assert windows(5, 5, 2000) == [(5, 5)]


def test_slipstream_slot0_and_ticks_have_six_and_ten_fields() -> None:
    slip, uni = contract("SlipstreamCLPool"), contract("UniswapV3Pool")
    assert len(slip.fn("slot0").outputs) == 6 and len(slip.fn("ticks").outputs) == 10
    assert len(uni.fn("slot0").outputs) == 7 and len(uni.fn("ticks").outputs) == 8
    assert uni.event("Swap").topic == slip.event("Swap").topic
    assert uni.fn("slot0").calldata() == "0x3850c7bd"
