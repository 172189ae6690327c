-- Pool events database schema (postgres). Generated to match db/pool_events.py; the validator only reads it.
-- Big integers: NUMERIC(78,0), exact.
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
    "initial_sqrt_price_x96" NUMERIC(78,0),
    "initial_tick" INTEGER
);

CREATE TABLE IF NOT EXISTS "swaps" (
    "id" BIGSERIAL PRIMARY KEY,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "sender" VARCHAR(42) NOT NULL DEFAULT '',
    "recipient" VARCHAR(42) NOT NULL DEFAULT '',
    "amount0" NUMERIC(78,0) NOT NULL,
    "amount1" NUMERIC(78,0) NOT NULL,
    "sqrt_price_x96" NUMERIC(78,0) NOT NULL,
    "liquidity" NUMERIC(78,0) NOT NULL,
    "tick" INTEGER NOT NULL,
    "fee" INTEGER,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "swaps_pool_order_idx" ON "swaps" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "mints" (
    "id" BIGSERIAL PRIMARY KEY,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "owner" VARCHAR(42) NOT NULL,
    "sender" VARCHAR(42) NOT NULL DEFAULT '',
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "liquidity" NUMERIC(78,0) NOT NULL,
    "amount0" NUMERIC(78,0) NOT NULL,
    "amount1" NUMERIC(78,0) NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "mints_pool_order_idx" ON "mints" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "burns" (
    "id" BIGSERIAL PRIMARY KEY,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "owner" VARCHAR(42) NOT NULL,
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "liquidity" NUMERIC(78,0) NOT NULL,
    "amount0" NUMERIC(78,0) NOT NULL,
    "amount1" NUMERIC(78,0) NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "burns_pool_order_idx" ON "burns" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "collects" (
    "id" BIGSERIAL PRIMARY KEY,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "owner" VARCHAR(42) NOT NULL,
    "recipient" VARCHAR(42) NOT NULL DEFAULT '',
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "amount0" NUMERIC(78,0) NOT NULL,
    "amount1" NUMERIC(78,0) NOT NULL,
    UNIQUE ("tx_hash", "log_index")
);
CREATE INDEX IF NOT EXISTS "collects_pool_order_idx" ON "collects" ("pool", "block_number", "log_index");

CREATE TABLE IF NOT EXISTS "fee_protocol_changes" (
    "id" BIGSERIAL PRIMARY KEY,
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
    "id" BIGSERIAL PRIMARY KEY,
    "pool" VARCHAR(42) NOT NULL,
    "block_number" BIGINT NOT NULL,
    "log_index" INTEGER NOT NULL,
    "tx_hash" VARCHAR(66) NOT NULL,
    "block_timestamp" BIGINT NOT NULL DEFAULT 0,
    "tick_lower" INTEGER NOT NULL,
    "tick_upper" INTEGER NOT NULL,
    "liquidity_delta" NUMERIC(78,0) NOT NULL,
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
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
);
