"""Benchmark: cost of validate_answer on typical and hostile answers, and of a loopback query.

Run: `.venv/bin/python -m tests.protocol.bench_validation` (prints numbers, asserts nothing).
"""

import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from protocol import AnswerContext, Position, PositionSpec, validate_answer
from protocol.synapse import RebalanceQuery

CONTEXT = AnswerContext(
    tick_spacing=60,
    inventory0=10**24,
    inventory1=10**24,
    current_positions=(PositionSpec(-600, 600, 10**18, 10**18),),
    max_positions=10,
)


def _position(i: int, a0: str = "1000000000000000000") -> dict[str, object]:
    return {"tick_lower": -60 * (i + 1), "tick_upper": 60 * (i + 1), "allocation0": a0, "allocation1": "5"}


def _query(desired: list[Position]) -> RebalanceQuery:
    return RebalanceQuery(
        job_id="j", sn_liquidity_manager_address="v", pair_address="p", round_id="r",
        round_type="evaluation", block_number=1, current_price=7.9e28, current_positions=[],
        desired_positions=desired,
    )


def cases() -> dict[str, object]:
    five = [_position(i) for i in range(5)]
    return {
        "valid 5 positions (dict)": {"desired_positions": five},
        "valid 5 positions (JSON text)": json.dumps({"desired_positions": five}),
        "valid 5 positions (RebalanceQuery)": _query([Position.model_validate(p) for p in five]),
        "10,000 positions (dict)": {"desired_positions": [_position(i % 100) for i in range(10_000)]},
        "10,000 positions (JSON text, ~1 MB)": json.dumps(
            {"desired_positions": [_position(i % 100) for i in range(10_000)]}
        ),
        "2,500 positions (JSON text, under the limit)": json.dumps(
            {"desired_positions": [_position(i % 100) for i in range(2_500)]}
        ),
        "1 MB refusal_reason (dict)": {"accepted": False, "refusal_reason": "x" * 1_000_000},
        "1 MB allocation string (dict)": {"desired_positions": [_position(0, "9" * 1_000_000)]},
        "1 MB JSON text": "[" * 1_000_000,
        "200 KB nested JSON": "[" * 200_000,
    }


def per_call_us(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e6


def bench_validation() -> None:
    print("validate_answer, microseconds per call (median of 5 runs):")
    for name, raw in cases().items():
        runs = sorted(per_call_us(lambda: validate_answer(raw, CONTEXT), 200) for _ in range(5))
        decision = validate_answer(raw, CONTEXT)
        label = getattr(decision, "code", type(decision).__name__)
        print(f"  {name:46s} {runs[2]:10.1f} us   -> {label}")


async def bench_wire(queries: int = 50) -> None:
    from tests.support.bt_local import loopback_dendrite, loopback_network, make_wallet, running_axon

    async def forward(synapse: RebalanceQuery) -> RebalanceQuery:
        synapse.desired_positions = synapse.current_positions
        return synapse

    with tempfile.TemporaryDirectory() as root, loopback_network():
        miner, validator = make_wallet(Path(root), "m"), make_wallet(Path(root), "v")
        with running_axon(miner, forward) as axon:
            async with loopback_dendrite(validator) as dendrite:
                query = _query([])
                query.current_positions = [Position.model_validate(_position(i)) for i in range(5)]
                start = time.perf_counter()
                for _ in range(queries):
                    result = await dendrite.call(
                        target_axon=axon.info(), synapse=query.model_copy(), timeout=10, deserialize=False
                    )
                    assert result.is_success
                elapsed = time.perf_counter() - start
    print(f"loopback axon/dendrite: {queries} sequential queries, {elapsed / queries * 1e3:.1f} ms each")


if __name__ == "__main__":
    bench_validation()
    asyncio.run(bench_wire())
