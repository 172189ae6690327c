"""The 256-bit fields store exact integers and keep numeric order on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.connection import open_databases, upgrade_jobs_db
from db.fields import INT256_MAX, INT256_MIN, UINT256_MAX, decode_text, encode_signed_text, encode_unsigned_text
from db.models import Job, LiveExecution, Round, RoundResult, RoundType
from db.urls import DatabaseUrl

ADDRESS = "0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8"


@given(st.integers(min_value=INT256_MIN, max_value=INT256_MAX), st.integers(min_value=INT256_MIN, max_value=INT256_MAX))
def test_signed_text_encoding_round_trips_and_sorts_like_the_numbers(a: int, b: int) -> None:
    assert decode_text(encode_signed_text(a)) == a
    assert (encode_signed_text(a) < encode_signed_text(b)) == (a < b)


@given(st.integers(min_value=0, max_value=UINT256_MAX), st.integers(min_value=0, max_value=UINT256_MAX))
def test_unsigned_text_encoding_round_trips_and_sorts_like_the_numbers(a: int, b: int) -> None:
    assert decode_text(encode_unsigned_text(a)) == a
    assert (encode_unsigned_text(a) < encode_unsigned_text(b)) == (a < b)


async def _round(job: Job, number: int, sqrt_price: int) -> Round:
    return await Round.create(round_id=f"r{number}", job=job, round_type=RoundType.EVALUATION,
                              round_number=number, start_block=1, start_sqrt_price_x96=sqrt_price)


async def test_uint256_values_round_trip_exactly_and_filter_above_2_159(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await Job.create(job_id="j", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS)
        values = [0, 1, 2**159 - 1, 2**159 + 1, 2**160 - 1, UINT256_MAX]
        for number, value in enumerate(values):
            await _round(job, number, value)
        stored = [r.start_sqrt_price_x96 for r in await Round.all().order_by("start_sqrt_price_x96")]
        assert stored == sorted(values)
        above = await Round.filter(start_sqrt_price_x96__gt=2**159).count()
        assert above == 3


async def test_int256_keeps_sign_and_order(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await Job.create(job_id="j", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS)
        values = [INT256_MIN, -(10**40), -1, 0, 1, 10**40, INT256_MAX]
        for number, pnl in enumerate(values):
            rnd = await _round(job, number, 1)
            await RoundResult.create(round=rnd, miner_hotkey=f"hk{number}", miner_uid=number, raw_score=0.0,
                                     rank_score=0.0, rank=number, initial_value=1, final_value=1, hodl_value=1,
                                     fees0=0, fees1=0, pnl_vs_hodl=pnl)
        ordered = [r.pnl_vs_hodl for r in await RoundResult.all().order_by("pnl_vs_hodl")]
        assert ordered == values
        assert await RoundResult.filter(pnl_vs_hodl__lt=0).count() == 3


async def test_out_of_range_values_are_refused_before_the_database(db_url: DatabaseUrl) -> None:
    async with open_databases(db_url):
        await upgrade_jobs_db()
        job = await Job.create(job_id="j", sn_liquidity_manager_address=ADDRESS, pair_address=ADDRESS)
        with pytest.raises(ValueError, match="outside"):
            await _round(job, 1, UINT256_MAX + 1)
        with pytest.raises(ValueError, match="outside"):
            await _round(job, 2, -1)
        assert await Round.all().count() == 0
        rnd = await _round(job, 3, 1)
        with pytest.raises(ValueError, match="outside"):
            await LiveExecution.create(idempotency_key="k", job=job, round=rnd, miner_hotkey="hk", miner_uid=0,
                                       block_number=1, decision={}, gas_used=-1)
        assert await LiveExecution.all().count() == 0
