"""The executor the daemon uses, from its settings: the HTTP bot when a URL is set, else a recorder."""

from __future__ import annotations

from pathlib import Path

from validator.executor.base import Executor
from validator.executor.http import HttpExecutor, HttpExecutorOptions
from validator.executor.recording import RecordingExecutor


def build_executor(*, url: str | None, api_key: str | None, timeout_s: float = 180.0,
                   connect_timeout_s: float = 10.0, attempts: int = 5, record_file: Path | None = None) -> Executor:
    """``HttpExecutor`` for ``url`` (needs ``api_key``: ``ExecutorConfigError`` without one), or
    ``RecordingExecutor`` when no URL is set.

    With ``ValidatorSettings`` ``s``: ``build_executor(url=s.executor_url, api_key=s.executor_api_key,
    timeout_s=s.executor_timeout_seconds, connect_timeout_s=s.executor_connect_timeout_seconds,
    attempts=s.executor_attempts, record_file=s.executor_record_file)``.
    """
    if url is None:
        return RecordingExecutor(record_file)
    options = HttpExecutorOptions(request_timeout_s=timeout_s, connect_timeout_s=connect_timeout_s, attempts=attempts)
    return HttpExecutor(url, api_key or "", options)
