"""CLI: ``python -m scripts.devchain up [--traffic]`` and ``python -m scripts.devchain traffic``.

`up` starts a Hardhat node (chain id 8453) on a free loopback port, deploys and seeds Uniswap V3,
prints ``{"rpc_url": ..., "deployment": {...}}`` as one JSON line on stdout, and runs until
SIGINT/SIGTERM, then stops the node. With ``--traffic`` it also generates traffic continuously;
with ``--traffic-events N`` it generates N events once before printing.
`traffic` drives N events (or continuous traffic) on a chain another `up` printed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from loguru import logger
from web3 import HTTPProvider, Web3

from scripts.devchain.chain import start_devchain
from scripts.devchain.deployment import Deployment
from scripts.devchain.rpc import Rpc
from scripts.devchain.traffic import TrafficConfig, TrafficGenerator, TrafficReport


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.devchain", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start, deploy, print JSON, run until interrupted")
    up.add_argument("--port", type=int, default=None, help="JSON-RPC port (default: a free one)")
    up.add_argument("--seed", type=int, default=1, help="seed of the LP ranges")
    up.add_argument("--traffic-events", type=int, default=0, help="generate N events before printing")
    _traffic_args(up)
    traffic = sub.add_parser("traffic", help="generate traffic on a running devchain")
    traffic.add_argument("--rpc-url", required=True)
    traffic.add_argument("--deployment", type=Path, required=True, help="JSON printed by `up` (file)")
    traffic.add_argument("--events", type=int, default=0, help="N events, then exit (0: continuous)")
    _traffic_args(traffic)
    return parser


def _traffic_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--traffic", action="store_true", help="continuous traffic until interrupted")
    parser.add_argument("--block-interval", type=float, default=2.0, help="seconds between traffic blocks")
    parser.add_argument("--events-per-block", type=int, default=TrafficConfig.events_per_block)
    parser.add_argument("--traffic-seed", type=int, default=TrafficConfig.seed)


def _install_stop_handlers(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        logger.info("signal {} received: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _generate(generator: TrafficGenerator, stop: threading.Event, continuous: bool, interval: float) -> None:
    if continuous:
        report = generator.run_forever(stop, block_interval_s=interval)
        _log_report(report)
    else:
        stop.wait()


def _log_report(report: TrafficReport) -> None:
    logger.info(
        "traffic: {} swaps ({} exact-output), {} mints, {} burns in {} blocks, {} failed",
        report.swaps, report.exact_output_swaps, report.mints, report.burns, report.blocks, len(report.failures),
    )


def _up(args: argparse.Namespace, stop: threading.Event) -> int:
    with start_devchain(port=args.port, seed=args.seed) as chain:
        config = TrafficConfig(seed=args.traffic_seed, events_per_block=args.events_per_block)
        generator = TrafficGenerator(chain.rpc, chain.deployment, config)
        if args.traffic_events:
            _log_report(generator.run(args.traffic_events))
        print(json.dumps({"rpc_url": chain.rpc_url, "deployment": chain.deployment.to_json()}), flush=True)
        logger.info("devchain up at {} (started in {:.1f} s); Ctrl-C stops it", chain.rpc_url, chain.startup_seconds)
        _generate(generator, stop, args.traffic, args.block_interval)
    return 0


def _traffic(args: argparse.Namespace, stop: threading.Event) -> int:
    data = json.loads(args.deployment.read_text())
    deployment = Deployment.from_json(data.get("deployment", data))
    rpc = Rpc(Web3(HTTPProvider(args.rpc_url, request_kwargs={"timeout": 60})))
    config = TrafficConfig(seed=args.traffic_seed, events_per_block=args.events_per_block)
    generator = TrafficGenerator(rpc, deployment, config)
    if args.events:
        _log_report(generator.run(args.events))
        return 0
    _generate(generator, stop, True, args.block_interval)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stop = threading.Event()
    _install_stop_handlers(stop)
    logger.remove()
    logger.add(sys.stderr, level="INFO")
    return _up(args, stop) if args.command == "up" else _traffic(args, stop)


if __name__ == "__main__":
    sys.exit(main())
