"""`make demo`: a whole local SN98 network on loopback, replaying the shipped devchain dataset.

Four reference miners with different strategies (one refuses the pools it does not serve, one
over-allocates and is rejected), one validator in `--network local --chain replay` mode over
two jobs (one per pool), SQLite files, rounds as fast as the miners answer. Prints a table per
completed round, then a leaderboard per job and the weights the validator would set, and exits 0.

    python -m scripts.localnet [--rounds N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from scripts.localnet.dataset import DATA, VAULT_AMOUNTS, DatasetJob, prepare_databases
from scripts.localnet.processes import ProcessGroup, free_port, wait_for_port
from scripts.localnet.report import print_leaderboards, print_round, completed_rounds, print_weights
from scripts.workdir import work_folder

MINERS = [  # (name, miner flags)
    ("volatility", ["--strategy", "volatility"]),
    ("full-range", ["--strategy", "full-range"]),
    ("refuses", ["--strategy", "volatility", "--served-pool", "0x00000000000000000000000000000000000000AA"]),
    ("faulty", ["--strategy", "faulty"]),
]


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def _make_wallet(root: Path, name: str) -> str:
    from bittensor_wallet import Wallet

    wallet = Wallet(name=name, hotkey="default", path=str(root))
    wallet.create_new_coldkey(use_password=False, overwrite=True, suppress=True)
    wallet.create_new_hotkey(use_password=False, overwrite=True, suppress=True)
    return str(wallet.hotkey.ss58_address)


def _prepare(jobs_db: str, events_db: str) -> None:
    dataset = json.loads((DATA / "dataset.json").read_text())
    prepare_databases(jobs_db, events_db, [DatasetJob(f"dev-{pool['fee']}", pool["address"], 120, 20, target)
                                           for pool, target in zip(dataset["pools"], ("pnl_vs_hodl", "pol"))])


def _start_miners(group: ProcessGroup, wallets: Path, validator_hotkey: str, logs: Path) -> list[dict[str, object]]:
    entries = []
    for uid, (name, flags) in enumerate(MINERS, start=1):
        hotkey = _make_wallet(wallets, f"miner-{name}")
        port = free_port()
        group.start(f"miner-{name}", _python("miner", "--network", "local", "--wallet.path", str(wallets),
                                             "--wallet.name", f"miner-{name}", "--axon.port", str(port),
                                             "--allowed-hotkey", validator_hotkey, *flags), logs)
        entries.append({"uid": uid, "hotkey": hotkey, "ip": "127.0.0.1", "port": port, "name": name})
    for entry in entries:
        wait_for_port(int(str(entry["port"])), timeout_s=60, what=f"miner {entry['name']}")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.localnet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="Evaluation rounds per job (default 3).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the work folder (DBs, logs, wallets) here.")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with work_folder(args.keep, "sn98-demo-") as work:
        return _demo(work, args.rounds, started)


def _demo(work: Path, rounds: int, started: float) -> int:
    jobs_db, events_db = f"sqlite://{work / 'jobs.sqlite3'}", f"sqlite://{work / 'pool_events.sqlite3'}"
    db_flags = ["--jobs-db-url", jobs_db, "--pool-events-db-url", events_db]
    wallets, logs = work / "wallets", work / "logs"
    logs.mkdir(exist_ok=True)
    print(f"SN98 local network demo: work folder {work}")
    _prepare(jobs_db, events_db)
    validator_hotkey = _make_wallet(wallets, "validator")
    with ProcessGroup() as group:
        miners = _start_miners(group, wallets, validator_hotkey, logs)
        (work / "miners.json").write_text(json.dumps([{k: m[k] for k in ("uid", "hotkey", "ip", "port")}
                                                      for m in miners]))
        print(f"4 miners up on 127.0.0.1: " + ", ".join(f"uid {m['uid']} {m['name']}" for m in miners))
        validator = group.start("validator", _python(
            "validator", "--network", "local", "--chain", "replay", *db_flags, "--wallet.path", str(wallets),
            "--wallet.name", "validator", "--miners-file", str(work / "miners.json"), "--max-rounds", str(rounds),
            "--replay-vault-amount0", str(VAULT_AMOUNTS[0]), "--replay-vault-amount1", str(VAULT_AMOUNTS[1]),
            "--query-timeout-seconds", "10", "--job-refresh-seconds", "1", "--weights-interval-blocks", "5"), logs)
        names = {int(str(m["uid"])): str(m["name"]) for m in miners}
        code = asyncio.run(_follow(validator, jobs_db, names))
    if code != 0:
        print(f"validator exited with {code}; its log: {logs / 'validator.log'}")
        print((logs / "validator.log").read_text()[-4000:])
        return 1
    asyncio.run(_summary(jobs_db, names, miners))
    print(f"demo finished in {time.monotonic() - started:.0f}s")
    return 0


async def _follow(validator: subprocess.Popen[bytes], jobs_db: str, names: dict[int, str]) -> int:
    shown: set[int] = set()
    while True:
        finished = validator.poll()
        for row in await completed_rounds(jobs_db, shown):
            print_round(row, names)
            shown.add(int(str(row["id"])))
        if finished is not None:
            for row in await completed_rounds(jobs_db, shown):
                print_round(row, names)
            return finished
        await asyncio.sleep(1.0)


async def _summary(jobs_db: str, names: dict[int, str], miners: list[dict[str, object]]) -> None:
    await print_leaderboards(jobs_db, names)
    await print_weights(jobs_db, {str(m["hotkey"]): int(str(m["uid"])) for m in miners}, names)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
