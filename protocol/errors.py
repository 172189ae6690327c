"""Exceptions of the protocol package.

    ProtocolError
     +-- InvalidContext   (also a ValueError) the validator built a bad AnswerContext
     +-- InvalidAnswer    a miner answer was rejected; carries the Rejection

`validate_answer` itself never raises: it returns a `Rejection`. `InvalidAnswer` exists for
callers that prefer to propagate a rejection as an exception (`raise InvalidAnswer(rejection)`).
"""

from protocol.decisions import ReasonCode, Rejection


class ProtocolError(Exception):
    """Base of every error raised by the protocol package."""


class InvalidContext(ProtocolError, ValueError):
    """An `AnswerContext` or `AnswerLimits` value is impossible (a bug on the validator side)."""


class InvalidAnswer(ProtocolError):
    """A miner's answer was rejected; `code` is machine-readable, `str(exc)` is the message."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(f"{rejection.code.value}: {rejection.message}")
        self.rejection = rejection

    @property
    def code(self) -> ReasonCode:
        """The machine-readable reason."""
        return self.rejection.code
