"""Handing live decisions to whoever acts on the vault: the executor bot over HTTP, or a recorder."""

from validator.executor.base import Executor
from validator.executor.errors import (
    ExecutionInDoubt,
    ExecutorAuthError,
    ExecutorConfigError,
    ExecutorError,
    ExecutorRejected,
    ExecutorUnavailable,
)
from validator.executor.factory import build_executor
from validator.executor.http import HttpExecutor, HttpExecutorOptions
from validator.executor.recording import RecordingExecutor
from validator.executor.types import ExecutionReport, ExecutionRequest, WireFormatError, idempotency_key

__all__ = [
    "ExecutionInDoubt",
    "ExecutionReport",
    "ExecutionRequest",
    "Executor",
    "ExecutorAuthError",
    "ExecutorConfigError",
    "ExecutorError",
    "ExecutorRejected",
    "ExecutorUnavailable",
    "HttpExecutor",
    "HttpExecutorOptions",
    "RecordingExecutor",
    "WireFormatError",
    "build_executor",
    "idempotency_key",
]
