"""Peak resident memory of this process over a block, sampled from a thread (bytes).

After-minus-before RSS misses transient peaks (CPython returns large buffers to the OS at once),
so a thread samples RSS every ``interval_s`` while the block runs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped]


@dataclass
class RssPeak:
    baseline: int = 0
    peak: int = 0

    @property
    def growth(self) -> int:
        """The highest RSS seen above the baseline, in bytes."""
        return max(0, self.peak - self.baseline)


@contextlib.contextmanager
def sampled_rss(interval_s: float = 0.005) -> Iterator[RssPeak]:
    process = psutil.Process()
    result = RssPeak(process.memory_info().rss, process.memory_info().rss)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            result.peak = max(result.peak, process.memory_info().rss)
            done.wait(interval_s)

    thread = threading.Thread(target=sample, name="rss-sampler", daemon=True)
    thread.start()
    try:
        yield result
    finally:
        done.set()
        thread.join()
        result.peak = max(result.peak, process.memory_info().rss)
