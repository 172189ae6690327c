"""``python -m simulator``: command-line tools over the exact engine.

    python -m simulator replay --events ../shared/data/uniswap-v3-mainnet-day1 \\
        --pool 0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8 [--from-block A] [--to-block B]

``replay`` rebuilds the pool from its start (Initialize event or snapshot), replays every event up to
``--to-block`` and checks each against the chain's numbers to the wei; swaps from ``--from-block`` on
are counted in the step log. It prints a summary and, on failure, the first mismatching event.
Exit codes: 0 every event reproduced, 1 a mismatch, 2 bad arguments or unreadable events.

``--events`` is a CSV folder (``load_source``); the pool events database is replayed by the
validator (``validator.chain.replay``), not here.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from simulator import backtest_cli
from simulator.backtest import PoolSource
from simulator.csv_events import PoolMetadata, read_pool_history
from simulator.errors import EventSourceError, ReplayMismatch, SimulatorError
from simulator.pool import PoolSnapshot
from simulator.replay import ReplayResult, pool_from_start, replay


def load_source(source: str, pool: str) -> PoolSource:
    """The pool's history from a CSV folder (either layout of ``simulator.csv_events``); it must hold
    the pool's Initialize event. A database URL is refused: the simulator reads no database."""
    if "://" in source:
        raise EventSourceError(f"{source}: database event sources are not available here; use a CSV folder")
    return PoolSource.of(read_pool_history(Path(source), pool))


def _block_window(args: argparse.Namespace) -> tuple[int, int | None]:
    if args.from_block is not None and args.from_block < 0:
        raise EventSourceError("--from-block must not be negative")
    if args.to_block is not None and args.from_block is not None and args.to_block < args.from_block:
        raise EventSourceError(f"--to-block {args.to_block} is before --from-block {args.from_block}")
    return args.from_block or 0, args.to_block


def run_replay(args: argparse.Namespace) -> int:
    """The ``replay`` subcommand; returns the exit code."""
    try:
        from_block, to_block = _block_window(args)
        data = load_source(args.events, args.pool)
        events = [e for e in data.events if to_block is None or e.block_number <= to_block]
        pool = pool_from_start(data.metadata, data.start)
    except (EventSourceError, OSError) as error:
        print(f"replay: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        result = replay(pool, events, from_snapshot=isinstance(data.start, PoolSnapshot), log_from_block=from_block)
    except ReplayMismatch as mismatch:
        print(f"MISMATCH {mismatch}")
        print(f"  event: {mismatch.kind} block {mismatch.block_number} log {mismatch.log_index} tx {mismatch.tx_hash}")
        print(f"  field: {mismatch.field}\n  chain: {mismatch.expected}\n  replay: {mismatch.got}")
        return 1
    except SimulatorError as error:
        print(f"replay failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    _print_summary(data.metadata, result, from_block, to_block, time.perf_counter() - started)
    return 0


def _print_summary(
    metadata: PoolMetadata, result: ReplayResult, from_block: int, to_block: int | None, seconds: float
) -> None:
    readings = ", ".join(f"{name} {count}" for name, count in sorted(result.swap_readings.items()))
    window = f"blocks {from_block}..{to_block if to_block is not None else 'end'}"
    print(f"pool {metadata.pool} (fee {metadata.fee}, tick spacing {metadata.tick_spacing}), {window}")
    print(f"swaps replayed: {result.swaps} ({readings or 'none'})")
    if result.fees_inferred:
        print(f"swaps at a fee other than the pool's, found from the event: {result.fees_inferred}")
    print(f"mints: {result.mints}, burns: {result.burns}, collects: {result.collects}"
          f" (skipped {result.collects_skipped}), fee protocol changes: {result.fee_protocol_changes}")  # fmt: skip
    print(f"step log: {result.step_log.n_swaps} swaps, {result.step_log.n_steps} steps from block {from_block}")
    print(f"seconds: {seconds:.3f}")
    print(f"final: sqrtPriceX96 {result.pool.sqrt_price_x96}, tick {result.pool.tick}, liquidity {result.pool.liquidity}")
    print("result: OK, every event reproduced to the wei")


def _add_replay_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "replay",
        help="replay a pool's events exactly and report the first mismatch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", required=True, help="CSV folder of events")
    parser.add_argument("--pool", required=True, help="pool address (0x...)")
    parser.add_argument("--from-block", type=int, default=None, help="first block whose swaps are logged")
    parser.add_argument("--to-block", type=int, default=None, help="last block replayed (inclusive)")
    parser.set_defaults(handler=run_replay)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m simulator`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description="exact concentrated-liquidity simulator")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_replay_parser(subparsers)
    backtest_cli.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; argparse exits with 2 on bad arguments."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
