"""Logging helpers of the validator (the implementation lives in ``common.logs``, shared with the miner)."""

from common.logs import LogOptions, configure_logging, mask_secrets, register_secret

__all__ = ["LogOptions", "configure_logging", "mask_secrets", "register_secret"]
