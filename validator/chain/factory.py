"""Chain sources built from ``ValidatorSettings`` (the one place that maps settings to options)."""

from __future__ import annotations

from validator.chain.live import LiveChainSource, LiveOptions
from validator.chain.rpc import RpcClient, RpcOptions
from validator.config import ValidatorSettings


def rpc_options(settings: ValidatorSettings) -> RpcOptions:
    return RpcOptions(timeout_s=settings.rpc_timeout_seconds, attempts=settings.rpc_attempts,
                      rate_limit_per_s=settings.rpc_rate_limit, batch_size=settings.rpc_batch_size)


def live_options(settings: ValidatorSettings) -> LiveOptions:
    return LiveOptions(
        confirmations=settings.chain_confirmations, poll_interval_s=settings.chain_poll_interval_seconds,
        max_log_range=settings.logs_max_block_range, max_bitmap_words=settings.tick_scan_max_words,
        position_managers={"uniswap-v3": settings.uniswap_position_manager,
                           "slipstream": settings.slipstream_position_manager},
    )


def live_source(settings: ValidatorSettings) -> LiveChainSource:
    """A ``LiveChainSource`` over ``settings.rpc_urls`` (raises ``RpcUnavailable`` when there are none)."""
    return LiveChainSource(RpcClient(settings.rpc_urls, rpc_options(settings)), live_options(settings))
