"""``python -m miner backtest``: the miner's strategies over a pool's real events, scored as a validator would.

    python -m miner backtest --events ../shared/data/uniswap-v3-mainnet-day1 \\
        --pool 0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8 --from-block 12373000 --to-block 12376625

``--events`` is a CSV folder (``uniswap-v3-mainnet-day1`` layout) or a pool events database URL
(``sqlite://PATH``, ``postgres://...``; ``--pool-events-layout sn98`` for SN98's indexer tables).
``--strategy`` (repeatable; default: every strategy whose answers are valid) picks what runs; all run in
one round, side by side. Prints a table (or ``--json``: amounts as decimal strings of raw token units).
Exit codes: 0 done, 2 bad input, 1 the replay did not reproduce an event.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from common.logs import configure_logging
from miner.backtest import BacktestWindow, StrategyResult, run_backtest
from miner.config import MinerSettings
from miner.errors import BacktestError, UnknownStrategy
from miner.service import MinerService, build_service
from miner.strategies import STRATEGY_NAMES, VALID_STRATEGY_NAMES
from simulator.csv_events import PoolHistory, read_pool_history
from simulator.errors import ReplayMismatch, SimulatorError
from simulator.targets import TARGETS, UnknownTarget

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The backtest's own flags (the settings flags come from the parent parser)."""
    parser.add_argument("--events", required=True, help="CSV folder or pool events DB URL (sqlite://, postgres://)")
    parser.add_argument("--pool", required=True, help="pool address (0x...)")
    parser.add_argument("--from-block", type=int, required=True, help="round start: state after this block")
    parser.add_argument("--to-block", type=int, required=True, help="round end block (inclusive)")
    parser.add_argument("--strategy-name", "--strategy", dest="strategy_names", action="append",
                        choices=STRATEGY_NAMES, help="strategy to run (repeatable; default: all valid ones)")
    parser.add_argument("--checkpoint-blocks", type=int, default=150, help="blocks between checkpoints [150]")
    parser.add_argument("--amount0", type=int, help="start inventory of token0, raw units [1%% of the pool's liquidity]")
    parser.add_argument("--amount1", type=int, help="start inventory of token1, raw units")
    parser.add_argument("--target", default="pnl_vs_hodl", choices=tuple(TARGETS), help="job target [pnl_vs_hodl]")
    parser.add_argument("--chain-id", type=int, default=8453, help="chain id sent in the queries [8453]")
    parser.add_argument("--pool-events-layout", default="default", choices=("default", "sn98"),
                        help="table layout of a pool events DB [default]")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


async def load_history(source: str, pool: str, to_block: int, layout: str) -> PoolHistory:
    """The pool's history up to ``to_block`` from a CSV folder or a pool events database."""
    if "://" not in source:
        return read_pool_history(Path(source), pool)
    from db.connection import open_databases
    from db.event_reader import LAYOUTS, read_pool_history as read_from_db
    from db.urls import parse_database_url

    async with open_databases(None, parse_database_url(source)):
        return await read_from_db(pool, LAYOUTS[layout], None, to_block)


async def run(settings: MinerSettings, args: argparse.Namespace) -> int:
    """Run the backtest the arguments describe and print its report; the exit code."""
    if not (settings.logging_debug or settings.logging_trace):  # a report, not a server: warnings only
        configure_logging(replace(settings.log_options(), level="WARNING"))
    window = BacktestWindow(
        pool=args.pool.lower(), from_block=args.from_block, to_block=args.to_block,
        checkpoint_blocks=args.checkpoint_blocks, amount0=args.amount0, amount1=args.amount1,
        target=args.target, chain_id=args.chain_id,
    )  # fmt: skip
    services: dict[str, MinerService] = {}
    try:
        services = {name: build_service(settings, name) for name in args.strategy_names or VALID_STRATEGY_NAMES}
        history = await load_history(args.events, window.pool, window.to_block, args.pool_events_layout)
        results = await run_backtest(history, services, window)
    except ReplayMismatch as exc:
        print(f"backtest: replay mismatch: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except (OSError, BacktestError, UnknownStrategy, UnknownTarget, SimulatorError) as exc:
        print(f"backtest: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        for service in services.values():
            service.close()
    print(json.dumps(_document(window, results), indent=2) if args.json else render_table(window, results))
    return EXIT_OK


def _document(window: BacktestWindow, results: Sequence[StrategyResult]) -> dict[str, object]:
    return {"pool": window.pool, "from_block": window.from_block, "to_block": window.to_block,
            "checkpoint_blocks": window.checkpoint_blocks, "target": window.target,
            "strategies": [r.to_json() for r in results]}


_COLUMNS = ("strategy", "score", "pnl_vs_hodl", "fees_value", "imperm_loss", "in_range", "rebal",
            "kept", "rejected", "refused")


def _row(result: StrategyResult) -> tuple[str, ...]:
    m, c = result.metrics, result.counts
    score = "-" if result.score is None else f"{result.score:+.6f}"
    refused = "-" if c.refused_at is None else f"@{c.refused_at}"
    return (result.name, score, str(m.pnl_vs_hodl), str(m.fees_value), str(m.impermanent_loss),
            f"{m.time_in_range:.0%}", str(m.rebalance_count), str(c.kept), str(c.rejected), refused)


def render_table(window: BacktestWindow, results: Sequence[StrategyResult]) -> str:
    """A plain-text report: one line per strategy, values in raw token1 units, best score first."""
    ranked = sorted(results, key=lambda r: (r.score is None, -(r.score or 0.0)))
    rows = [_COLUMNS, *(_row(r) for r in ranked)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [f"pool {window.pool} blocks {window.from_block}..{window.to_block} "
             f"checkpoints every {window.checkpoint_blocks} blocks, target {window.target} "
             f"(values in raw token1 units)"]
    lines += ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
              for row in rows]
    if results:
        m = results[0].metrics
        lines.append(f"start inventory: amount0={m.initial_amount0} amount1={m.initial_amount1}; "
                     f"swaps in window: {m.swaps_total}")
    return "\n".join(lines)
