"""A progress bar with ETA for the backfill: one redrawn line on a terminal, a log line otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from loguru import logger

_WIDTH = 30


class Progress:
    """Blocks done out of a range, events stored, rate and ETA. ``update`` after each window."""

    def __init__(self, first_block: int, last_block: int, *, stream: TextIO | None = None,
                 log_every_s: float = 10.0) -> None:
        self.first = first_block
        self.last = last_block
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.events = 0
        self._log_every = log_every_s
        self._last_log = 0.0

    def line(self, next_block: int) -> str:
        """The progress line for the cursor at ``next_block``."""
        total = max(1, self.last - self.first + 1)
        done = min(total, max(0, next_block - self.first))
        elapsed = max(1e-9, time.monotonic() - self.started)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else float("inf")
        filled = int(_WIDTH * done / total)
        eta_text = "--:--" if eta == float("inf") else f"{int(eta) // 60:02d}:{int(eta) % 60:02d}"
        return (f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {100 * done / total:5.1f}% "
                f"blocks {done}/{total} events {self.events} {rate:,.0f} blocks/s ETA {eta_text}")

    def update(self, next_block: int, events: int) -> None:
        """Redraw (or log) for the cursor at ``next_block`` with ``events`` stored so far."""
        self.events = events
        text = self.line(next_block)
        if self.stream.isatty():
            self.stream.write("\r" + text)
            self.stream.flush()
        elif time.monotonic() - self._last_log >= self._log_every or next_block > self.last:
            self._last_log = time.monotonic()
            logger.info("backfill {}", text)

    def finish(self) -> None:
        if self.stream.isatty():
            self.stream.write("\n")
            self.stream.flush()
