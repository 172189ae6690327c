"""The executor handoff without a chain: wire format, URL rule, recorder, idempotency keys, swap math."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protocol.decisions import PositionSpec
from validator.executor import (
    ExecutionReport,
    ExecutionRequest,
    ExecutorConfigError,
    HttpExecutor,
    RecordingExecutor,
    WireFormatError,
    build_executor,
    idempotency_key,
)
from validator.executor.http import checked_base_url
from validator.executor_bot.plan import Q192, balancing_swap
from common.logs import mask_secrets

BIG = 2**200 + 12345  # beyond float precision: must travel exactly


def _request(key: str = "live-1") -> ExecutionRequest:
    return ExecutionRequest(key, "job", "job:live:1", 7, "5Hot", 2, 8453, "0xVault", "eoa", "0xPool",
                            (PositionSpec(-600, 600, BIG, 3), PositionSpec(-60, 0, 0, 1)))


def test_requests_round_trip_through_json_with_exact_amounts() -> None:
    wire = json.loads(json.dumps(_request().to_json()))
    assert wire["positions"][0]["allocation0"] == str(BIG)
    assert ExecutionRequest.from_json(wire) == _request()


@pytest.mark.parametrize("change", [
    {"positions": "none"}, {"block_number": -1}, {"miner_uid": True}, {"job_id": ""},
    {"positions": [{"tick_lower": 0, "tick_upper": 60, "allocation0": "1e3", "allocation1": "0"}]},
    {"positions": [{"tick_lower": 0, "tick_upper": 60, "allocation0": "-1", "allocation1": "0"}]},
])
def test_malformed_requests_are_refused_with_the_field(change: dict[str, object]) -> None:
    with pytest.raises(WireFormatError):
        ExecutionRequest.from_json(_request().to_json() | change)


def test_reports_only_carry_final_statuses() -> None:
    report = ExecutionReport("k", "reverted", ("0xab",), BIG, BIG, "boom", False, (5,))
    assert ExecutionReport.from_json(json.loads(json.dumps(report.to_json()))) == report
    with pytest.raises(WireFormatError):
        ExecutionReport("k", "pending")


def test_idempotency_keys_are_stable_per_round_block_and_miner() -> None:
    key = idempotency_key("job:live:1", 100, "5Hot")
    assert key == idempotency_key("job:live:1", 100, "5Hot") and len(key) == 69 and key.startswith("live-")
    assert len({key, idempotency_key("job:live:2", 100, "5Hot"), idempotency_key("job:live:1", 101, "5Hot"),
                idempotency_key("job:live:1", 100, "5Other")}) == 4


@pytest.mark.parametrize("url", ["http://example.com/", "ftp://127.0.0.1/", "https://user:pw@example.com/", "x"])
def test_executor_urls_need_https_unless_loopback_and_no_credentials(url: str) -> None:
    with pytest.raises(ExecutorConfigError):
        checked_base_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8700", "http://localhost/x/", "http://[::1]:1/", "https://e.com"])
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert checked_base_url(url).endswith("/")


def test_the_api_key_is_required_and_masked_in_logs() -> None:
    with pytest.raises(ExecutorConfigError):
        HttpExecutor("https://executor.example", "")
    HttpExecutor("https://executor.example", "s3cret-executor-key")
    assert "s3cret-executor-key" not in mask_secrets("auth failed for Bearer s3cret-executor-key")


async def test_the_recorder_records_each_key_once_and_writes_json_lines(tmp_path: Path) -> None:
    recorder = build_executor(url=None, api_key=None, record_file=tmp_path / "d.jsonl")
    assert isinstance(recorder, RecordingExecutor)
    first = await recorder.execute(_request("a"))
    assert await recorder.execute(_request("a")) == first and first.dry_run and first.status == "confirmed"
    await recorder.execute(_request("b"))
    lines = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [line["request"]["idempotency_key"] for line in lines] == ["a", "b"] and len(recorder.requests) == 2
    assert lines[0]["request"]["positions"][0]["allocation0"] == str(BIG)


def test_build_executor_picks_http_when_a_url_is_set() -> None:
    assert isinstance(build_executor(url="http://127.0.0.1:1", api_key="abcd-key"), HttpExecutor)
    with pytest.raises(ExecutorConfigError):
        build_executor(url="http://127.0.0.1:1", api_key=None)


PRICE = 2**96  # 1 token1 per token0


def test_no_swap_when_nothing_is_short_or_both_are() -> None:
    assert balancing_swap(10, 10, 10, 10, PRICE, 500, 50) is None
    assert balancing_swap(20, 20, 10, 10, PRICE, 500, 50) is None


def test_a_token1_shortage_is_bought_with_token0_within_fee_and_slippage() -> None:
    plan = balancing_swap(0, 1_000_000, 2_000_000, 0, PRICE, 3000, 100)
    assert plan is not None and plan.zero_for_one and plan.amount_out == 1_000_000
    # 1e6 at price 1, plus the 0.3% fee (rounded up), plus 1% slippage (rounded up)
    assert plan.max_amount_in == -(-(-(-1_000_000 * 10**6 // (10**6 - 3000))) * 10_100 // 10_000)


def test_a_token0_shortage_uses_the_price_and_is_refused_if_the_surplus_cannot_pay() -> None:
    price_4 = 2 * 2**96  # 4 token1 per token0
    plan = balancing_swap(100, 0, 0, 1_000, price_4, 0, 0)
    assert plan is not None and not plan.zero_for_one and plan.max_amount_in == 100 * (price_4**2 // Q192)
    assert balancing_swap(100, 0, 0, 399, price_4, 0, 0) is None

