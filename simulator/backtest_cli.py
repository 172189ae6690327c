"""``python -m simulator backtest``: run a strategies file over real events, print JSON metrics.

    python -m simulator backtest --events ../shared/data/uniswap-v3-mainnet-day1 \\
        --pool 0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8 \\
        --from-block 12375800 --to-block 12376625 --strategies strategies.json

Output (stdout, one JSON document): ``{"pool", "from_block", "to_block", "strategies": [...]}`` with
per strategy its id, every metric of ``simulator.metrics.StrategyMetrics`` (amounts and values as
decimal strings of raw token units) and the outcome of each scheduled decision. Exit codes: 0 done,
2 bad input (unreadable events or strategies file), 1 the replay did not reproduce an event.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.backtest import StrategyFileError, parse_strategies, run_backtest
from simulator.errors import EventSourceError, ReplayMismatch, SimulatorError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``backtest`` subcommand."""
    parser = subparsers.add_parser(
        "backtest",
        help="run strategies (a JSON schedule of decisions) over real pool events; print JSON metrics",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", required=True, help="CSV folder of events")
    parser.add_argument("--pool", required=True, help="pool address (0x...)")
    parser.add_argument("--from-block", type=int, required=True, help="round start: state after this block")
    parser.add_argument("--to-block", type=int, required=True, help="round end block (inclusive)")
    parser.add_argument("--strategies", type=Path, required=True, help="strategies JSON file")
    parser.add_argument("--max-positions", type=int, default=4, help="positions a decision may hold")
    parser.add_argument("--indent", type=int, default=2, help="JSON indentation (0: one line)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the backtest the arguments describe; print the JSON report; return the exit code."""
    from simulator.cli import load_source  # here: simulator.cli imports this module

    try:
        spec = parse_strategies(json.loads(Path(args.strategies).read_text()))
        source = load_source(args.events, args.pool)
        reports = run_backtest(
            source, spec, from_block=args.from_block, to_block=args.to_block, max_positions=args.max_positions
        )
    except ReplayMismatch as error:
        print(f"replay mismatch: {error}", file=sys.stderr)
        return 1
    except (OSError, json.JSONDecodeError, StrategyFileError, EventSourceError) as error:
        print(f"backtest: {error}", file=sys.stderr)
        return 2
    except SimulatorError as error:
        print(f"backtest failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    document = {
        "pool": args.pool.lower(),
        "from_block": args.from_block,
        "to_block": args.to_block,
        "strategies": [r.to_json() for r in reports],
    }
    print(json.dumps(document, indent=args.indent or None))
    return 0
