"""Exceptions of the executor handoff, one tree so callers catch at the level they care about.

``ExecutorError``
  ``ExecutorConfigError``: the executor cannot be used as configured (e.g. plain http to a remote host).
  ``ExecutorUnavailable``: no definite answer (connection refused, timeout, HTTP 5xx or 429) even
  after the retries; the decision may or may not have been executed; a retry with the same
  idempotency key is safe.
  ``ExecutorRejected``: the executor answered definitely and will not execute this request (HTTP 4xx);
  retrying the same request cannot help.
    ``ExecutorAuthError``: the API key was refused (HTTP 401/403).
    ``ExecutionInDoubt``: the executor saw this key before but does not know how it ended (it stopped
    mid-execution); it refuses to run it again, an operator must look.
"""

from __future__ import annotations


class ExecutorError(Exception):
    """Base of every executor failure."""


class ExecutorConfigError(ExecutorError):
    """The executor is misconfigured (URL scheme, missing key)."""


class ExecutorUnavailable(ExecutorError):
    """No definite answer after the retries; the outcome is unknown, a same-key retry is safe."""


class ExecutorRejected(ExecutorError):
    """A definite refusal (HTTP 4xx). ``status``: the HTTP status code."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ExecutorAuthError(ExecutorRejected):
    """The executor refused the API key."""


class ExecutionInDoubt(ExecutorRejected):
    """The executor started this key before and cannot tell how it ended; it will not run it twice."""


__all__ = [
    "ExecutionInDoubt",
    "ExecutorAuthError",
    "ExecutorConfigError",
    "ExecutorError",
    "ExecutorRejected",
    "ExecutorUnavailable",
]
