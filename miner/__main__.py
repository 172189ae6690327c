"""Entry point of ``python -m miner``."""

from miner.cli import main

raise SystemExit(main())
