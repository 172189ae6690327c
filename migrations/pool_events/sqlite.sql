-- Pool events database schema (sqlite). Generated to match db/pool_events.py; the validator only reads it.
-- Big integers: order-preserving text (see db/fields.py).
-- Idempotent: safe to run on an existing database.

CREATE TABLE IF NOT EXISTS "pools" (
    "address" VARCHAR(42) NOT NULL PRIMARY KEY,
    "chain_id" INTEGER NOT NULL DEFAULT 8453,
    "kind" VARCHAR(16) NOT NULL DEFAULT 'uniswap-v3',
    "token0" VARCHAR(42),
    "token1" VARCHAR(42),
    "decimals0" INTEGER,
    "decimals1" INTEGER,
    "fee" INTEGER,
    "tick_spacing" INTEGER,
    "created_block" BIGINT,
    "initialized_block" BIGINT,
    "initialized_log_index" INTEGER,
    "initial_sqrt_price_x96" VARCHAR(79),
    "initial_tick" INTEGER
);

CREATE TABLE IF NOT EXISTS "swaps" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "sender" VARCHAR(42) NOT NULL DEFAULT '',
    "recipient" VARCHAR(42) NOT NULL DEFAULT '',
    "amount0" VARCHAR(79) NOT NULL,
    "amount1" VARCHAR(79) NOT NULL,
    "sqrt_price_x96" VARCHAR(79) NOT NULL,
    "liquidity" VARCHAR(79) NOT NULL,
    "tick" INTEGER NOT NULL,
    "fee" INTEGER,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "swaps_pool_order_idx" ON "swaps" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "mints" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "owner" VARCHAR(42) NOT NULL,
    "sender" VARCHAR(42) NOT NULL DEFAULT '',
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "liquidity" VARCHAR(79) NOT NULL,
    "amount0" VARCHAR(79) NOT NULL,
    "amount1" VARCHAR(79) NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "mints_pool_order_idx" ON "mints" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "burns" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "owner" VARCHAR(42) NOT NULL,
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "liquidity" VARCHAR(79) NOT NULL,
    "amount0" VARCHAR(79) NOT NULL,
    "amount1" VARCHAR(79) NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "burns_pool_order_idx" ON "burns" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "collects" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "owner" VARCHAR(42) NOT NULL,
    "recipient" VARCHAR(42) NOT NULL DEFAULT '',
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "amount0" VARCHAR(79) NOT NULL,
    "amount1" VARCHAR(79) NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "collects_pool_order_idx" ON "collects" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "fee_protocol_changes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "fee_protocol0" INTEGER NOT NULL,
    "fee_protocol1" INTEGER NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "feeproto_pool_order_idx" ON "fee_protocol_changes" ("pool", "block_number", "log_index");

-- Slipstream stakes (CLPool.stake emits no event): derived from the gauge's Deposit/Withdraw logs and
-- the pool's gauge-owned Mint/Burn; log_index is where the stake goes in the replay's order.
CREATE TABLE IF NOT EXISTS "stakes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "liquidity_delta" VARCHAR(79) NOT NULL,
    "nft" VARCHAR(42) NOT NULL DEFAULT '',
    "gauge" VARCHAR(42) NOT NULL DEFAULT '',
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "stakes_pool_order_idx" ON "stakes" ("pool", "block_number", "log_index");

-- The chain indexer's position per pool: blocks below next_block are stored; last_block_hash is the
-- hash of block next_block - 1 when it was indexed (a different hash there means a reorg).
CREATE TABLE IF NOT EXISTS "indexer_cursors" (
    "pool" VARCHAR(42) NOT NULL PRIMARY KEY,
    "chain_id" INTEGER NOT NULL DEFAULT 8453,
    "next_block" BIGINT NOT NULL,
    "last_block_hash" VARCHAR(66) NOT NULL DEFAULT '',
    "updated_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
