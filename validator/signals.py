"""SIGINT/SIGTERM handling of the daemon: the first signal asks for a graceful stop, a second one
forces the process out (exit code 130), so an operator is never stuck behind a slow shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable

from loguru import logger

FORCED_EXIT_CODE = 130


class ShutdownSignals:
    """Installs the handlers on the running loop; ``stop`` is set on the first signal."""

    def __init__(self, stop: asyncio.Event, force_exit: Callable[[int], None] = os._exit) -> None:
        self.stop = stop
        self.received = 0
        self._force_exit = force_exit
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> None:
        self._loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._loop.add_signal_handler(sig, self._handle, sig)

    def uninstall(self) -> None:
        if self._loop is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._loop.remove_signal_handler(sig)
            self._loop = None

    def _handle(self, sig: signal.Signals) -> None:
        self.received += 1
        if self.received == 1:
            logger.warning("{} received: stopping gracefully (send it again to force exit)", sig.name)
            self.stop.set()
            return
        logger.error("{} received again: forcing exit", sig.name)
        self._force_exit(FORCED_EXIT_CODE)
