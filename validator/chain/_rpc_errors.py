"""How an RPC failure is classified: retried on another endpoint, split (log ranges), or final.

``Transient`` is internal: the retry loop (stamina) catches it, marks the endpoint unhealthy and
tries again; when the retries run out, its ``public`` error (a ``ChainError``) is raised. Messages
name the endpoint by its label, never by its URL (URLs may carry API keys).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from validator.chain.errors import (
    ChainError,
    RpcCallReverted,
    RpcRangeError,
    RpcRateLimited,
    RpcResponseError,
    RpcTimeout,
    RpcUnavailable,
)

_RATE_PATTERNS = ("rate limit", "rate-limit", "ratelimit", "too many requests", "request rate", "capacity",
                  "throughput", "compute units")
_RANGE_PATTERNS = ("query returned more than", "too many results", "response size", "block range",
                   "range is too large", "range too large", "maximum block range", "max range", "too many logs",
                   "limit exceeded", "exceeds the range", "returned more than", "logs matched")
_FATAL_CODES = (-32601, -32602, -32600)


class Transient(Exception):
    """A failure worth retrying on another endpoint; ``public`` is raised once retries are exhausted."""

    def __init__(self, public: ChainError) -> None:
        super().__init__(str(public))
        self.public = public


def endpoint_label(index: int, url: str) -> str:
    """``rpc1(host)``: how logs and errors name an endpoint (no path, no query, no credentials)."""
    host = urlsplit(url).hostname or "?"
    return f"rpc{index + 1}({host})"


def http_failure(label: str, status: int) -> Transient:
    """An HTTP status other than 200: 429 is a rate limit; everything else fails over."""
    if status == 429:
        return Transient(RpcRateLimited(f"{label}: HTTP 429 (rate limited)"))
    return Transient(RpcUnavailable(f"{label}: HTTP {status}"))


def item_error(label: str, method: str, error: Any) -> ChainError | Transient:
    """Classify a JSON-RPC ``error`` object of one call."""
    if not isinstance(error, dict):
        return Transient(RpcResponseError(f"{label}: {method}: malformed error object {str(error)[:80]!r}"))
    code = error.get("code")
    message = str(error.get("message", ""))[:300]
    lowered = message.lower()
    text = f"{label}: {method}: error {code}: {message}"
    if code == 429 or any(p in lowered for p in _RATE_PATTERNS):
        return Transient(RpcRateLimited(text))
    if method == "eth_getLogs" and (code == -32005 or any(p in lowered for p in _RANGE_PATTERNS)):
        return RpcRangeError(text)
    if code == 3 or "revert" in lowered:
        return RpcCallReverted(text)
    if code in _FATAL_CODES:
        return RpcResponseError(text)
    # anything else (a lagging node's "header not found", "missing trie node", a server error) fails over
    return Transient(RpcUnavailable(text))


def timeout_failure(label: str, seconds: float) -> Transient:
    return Transient(RpcTimeout(f"{label}: no complete answer within {seconds:g} s"))


def connection_failure(label: str, exc: BaseException) -> Transient:
    """A transport error; only the exception's type is kept (aiohttp messages contain the URL)."""
    return Transient(RpcUnavailable(f"{label}: connection failed ({type(exc).__name__})"))


def malformed(label: str, what: str) -> Transient:
    return Transient(RpcResponseError(f"{label}: malformed response: {what}"))
