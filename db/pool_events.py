"""Tortoise models of the pool events database (our own schema).

The validator only reads this database; the importer and the indexer write it. Events are unique
on ``(tx_hash, log_index)`` (a re-import or a re-indexed block adds nothing) and read in chain
order ``(block_number, log_index)``. Big integers use the exact 256-bit fields. The same schema
is written as plain SQL in ``migrations/pool_events/`` for operators who create it by hand.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from db.fields import Int256Field, UInt256Field

APP_LABEL = "pool_events"


class Pool(Model):
    """A pool whose events are stored, with what replay needs to start it from its creation.

    Metadata a source does not carry (a per-event log has no fee or tokens) stays NULL until a
    later import or the indexer fills it in.
    """

    address = fields.CharField(max_length=42, primary_key=True)
    chain_id = fields.IntField(default=8453)
    kind = fields.CharField(max_length=16, default="uniswap-v3")
    token0 = fields.CharField(max_length=42, null=True)
    token1 = fields.CharField(max_length=42, null=True)
    decimals0 = fields.IntField(null=True)
    decimals1 = fields.IntField(null=True)
    fee = fields.IntField(null=True)
    tick_spacing = fields.IntField(null=True)
    created_block = fields.BigIntField(null=True)
    initialized_block = fields.BigIntField(null=True)
    initialized_log_index = fields.IntField(null=True)
    initial_sqrt_price_x96 = UInt256Field(null=True)
    initial_tick = fields.IntField(null=True)

    class Meta:
        app = APP_LABEL
        table = "pools"


class EventRow(Model):
    id = fields.BigIntField(primary_key=True)
    pool = fields.CharField(max_length=42)
    block_number = fields.BigIntField()
    log_index = fields.IntField()
    tx_hash = fields.CharField(max_length=66)
    block_timestamp = fields.BigIntField(default=0)

    class Meta:
        abstract = True


class Swap(EventRow):
    sender = fields.CharField(max_length=42, default="")
    recipient = fields.CharField(max_length=42, default="")
    amount0 = Int256Field()
    amount1 = Int256Field()
    sqrt_price_x96 = UInt256Field()
    liquidity = UInt256Field()
    tick = fields.IntField()
    fee = fields.IntField(null=True)

    class Meta:
        app = APP_LABEL
        table = "swaps"
        unique_together = (("tx_hash", "log_index"),)
        indexes = [Index(fields=("pool", "block_number", "log_index"), name="swaps_pool_order_idx")]


class PositionEventRow(EventRow):
    """The columns of an event on one position: Mint, Burn and Collect."""

    owner = fields.CharField(max_length=42)
    tick_lower = fields.IntField()
    tick_upper = fields.IntField()
    amount0 = UInt256Field()
    amount1 = UInt256Field()

    class Meta:
        abstract = True


class Mint(PositionEventRow):
    sender = fields.CharField(max_length=42, default="")
    liquidity = UInt256Field()

    class Meta:
        app = APP_LABEL
        table = "mints"
        unique_together = (("tx_hash", "log_index"),)
        indexes = [Index(fields=("pool", "block_number", "log_index"), name="mints_pool_order_idx")]


class Burn(PositionEventRow):
    liquidity = UInt256Field()

    class Meta:
        app = APP_LABEL
        table = "burns"
        unique_together = (("tx_hash", "log_index"),)
        indexes = [Index(fields=("pool", "block_number", "log_index"), name="burns_pool_order_idx")]


class Collect(PositionEventRow):
    recipient = fields.CharField(max_length=42, default="")

    class Meta:
        app = APP_LABEL
        table = "collects"
        unique_together = (("tx_hash", "log_index"),)
        indexes = [Index(fields=("pool", "block_number", "log_index"), name="collects_pool_order_idx")]


class FeeProtocolChange(EventRow):
    fee_protocol0 = fields.IntField()
    fee_protocol1 = fields.IntField()

    class Meta:
        app = APP_LABEL
        table = "fee_protocol_changes"
        unique_together = (("tx_hash", "log_index"),)
        indexes = [Index(fields=("pool", "block_number", "log_index"), name="feeproto_pool_order_idx")]


class Stake(EventRow):
    """A Slipstream stake (``simulator.events.StakeEvent``): CLPool.stake emits no event, so the row
    stands for the gauge log (Deposit/Withdraw) or the gauge-owned Mint/Burn it was derived from, at
    the log index the stake takes in the replay. ``liquidity_delta`` signed (negative: unstaked);
    ``nft``/``gauge`` the position owners it moves liquidity between ('' when it moves none)."""

    tick_lower = fields.IntField()
    tick_upper = fields.IntField()
    liquidity_delta = Int256Field()
    nft = fields.CharField(max_length=42, default="")
    gauge = fields.CharField(max_length=42, default="")

    class Meta:
        app = APP_LABEL
        table = "stakes"
        unique_together = (("tx_hash", "log_index"),)
        indexes = [Index(fields=("pool", "block_number", "log_index"), name="stakes_pool_order_idx")]


class IndexerCursor(Model):
    """Where the chain indexer stands for one pool: every block below ``next_block`` is stored.

    ``last_block_hash`` is the hash of block ``next_block - 1`` as it was indexed; when the chain
    reports another hash there, a reorg replaced it and the indexer rewinds. Written by the indexer
    in the same transaction as the events of the blocks it covers.
    """

    pool = fields.CharField(max_length=42, primary_key=True)
    chain_id = fields.IntField(default=8453)
    next_block = fields.BigIntField()
    last_block_hash = fields.CharField(max_length=66, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = APP_LABEL
        table = "indexer_cursors"


EVENT_MODELS: tuple[type[EventRow], ...] = (Swap, Mint, Burn, Collect, FeeProtocolChange, Stake)

__all__ = ["APP_LABEL", "EVENT_MODELS", "Burn", "EventRow", "Collect", "FeeProtocolChange", "IndexerCursor", "Mint",
           "PositionEventRow", "Pool", "Stake", "Swap"]
