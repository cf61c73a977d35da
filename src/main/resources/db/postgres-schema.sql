-- akka-persistence-jdbc 5.2.1's PostgreSQL schema, made idempotent (every statement IF NOT
-- EXISTS, no CONCURRENTLY), plus the node's own read model. Applied on every start.
CREATE TABLE IF NOT EXISTS event_journal (
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,
  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),
  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON event_journal(ordering);
CREATE TABLE IF NOT EXISTS event_tag (
  event_id BIGINT,
  tag VARCHAR(256),
  PRIMARY KEY(event_id, tag),
  CONSTRAINT fk_event_journal FOREIGN KEY(event_id) REFERENCES event_journal(ordering) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,
  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
-- Stage heads read model, written by the stage heads projection (exactly once, with its offsets).
CREATE TABLE IF NOT EXISTS batch_stage (
  number BIGINT PRIMARY KEY,
  stage SMALLINT NOT NULL,
  state_root_mismatch BOOLEAN NOT NULL
);
-- The web page's strip and plot: roots, when each stage was reached (epoch ms, the event's time),
-- and marks of a trusted reorg and of an L1 undo. Added columns, so databases of earlier versions get them.
-- One statement, so a member starting takes the table's lock once.
ALTER TABLE batch_stage
  ADD COLUMN IF NOT EXISTS state_root VARCHAR(66),
  ADD COLUMN IF NOT EXISTS verified_root VARCHAR(66),
  ADD COLUMN IF NOT EXISTS trusted_at BIGINT,
  ADD COLUMN IF NOT EXISTS virtual_at BIGINT,
  ADD COLUMN IF NOT EXISTS consolidated_at BIGINT,
  ADD COLUMN IF NOT EXISTS trusted_reorg BOOLEAN DEFAULT FALSE NOT NULL,
  ADD COLUMN IF NOT EXISTS l1_undone BOOLEAN DEFAULT FALSE NOT NULL;
CREATE INDEX IF NOT EXISTS batch_stage_stage_idx ON batch_stage (stage, number);
-- The L1 sync position per rollup (zkchain.derive.L1PositionStore), JSON.
CREATE TABLE IF NOT EXISTS l1_position (
  rollup VARCHAR(42) PRIMARY KEY,
  position TEXT NOT NULL
);
-- The sequencer feed's log (zkchain.feed.JdbcFeedLog): each accepted batch as the feed serves it,
-- the signed JSON of PROTOCOL.md §6, so a relay re-serves it unchanged.
CREATE TABLE IF NOT EXISTS feed_batch (
  number BIGINT PRIMARY KEY,
  message TEXT NOT NULL
);
-- Since issue 8 a row keeps the message but its transactions, which the node's journal holds: the
-- header fields and the signature, and the keccak that names the transactions there. message keeps
-- the whole JSON only where the journal lacks them (a version L1 overrode), and in older rows.
ALTER TABLE feed_batch ALTER COLUMN message DROP NOT NULL;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS chain_id BIGINT;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS batch_timestamp BIGINT;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS coinbase BYTEA;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS transactions_hash BYTEA;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS state_root BYTEA;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS acc_input_hash BYTEA;
ALTER TABLE feed_batch ADD COLUMN IF NOT EXISTS signature BYTEA;
-- The trusted sequencer's closed batches (zkchain.sequencer.SequencerBatchStore): the signed feed
-- message as JSON, and the L1 transaction that sequenced the batch once known.
CREATE TABLE IF NOT EXISTS sequencer_batch (
  number BIGINT PRIMARY KEY,
  message TEXT NOT NULL,
  l1_tx_hash VARCHAR(66)
);
-- The trusted sequencer's admitted transactions of the open batch
-- (zkchain.sequencer.PendingTransactionStore): persisted before eth_sendRawTransaction answers,
-- deleted in the database transaction that closes their batch, admitted again in seq order
-- after a restart.
CREATE TABLE IF NOT EXISTS sequencer_pending_tx (
  seq BIGINT PRIMARY KEY,
  hash VARCHAR(66) NOT NULL,
  raw BYTEA NOT NULL
);
-- The trusted sequencer's sequenceBatches transaction in flight on L1 (at most one row,
-- zkchain.sequencer.SequencerBatchStore): recorded before it is broadcast, so that a restart
-- waits for it, broadcasts it again or replaces it at its nonce instead of sending its batches
-- again.
CREATE TABLE IF NOT EXISTS sequencer_l1_tx (
  nonce BIGINT PRIMARY KEY,
  tx_hash VARCHAR(66) NOT NULL,
  raw BYTEA NOT NULL,
  first_batch BIGINT NOT NULL,
  last_batch BIGINT NOT NULL
);
-- Block hashes of the L2 chain (PROTOCOL.md §8, zkchain.execution.JdbcBlockHashes), computed once
-- per batch version: batch number and accInputHash fix the block.
CREATE TABLE IF NOT EXISTS l2_block (
  number BIGINT NOT NULL,
  acc_input_hash BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  PRIMARY KEY (number, acc_input_hash)
);
CREATE INDEX IF NOT EXISTS l2_block_hash_idx ON l2_block (hash);
-- The transaction index (zkchain.batch.TransactionIndex): every transaction a version of a batch
-- carried, by hash, with its position in the batch. A node's is a projection of its journal, the
-- sequencer's is written with each closed batch.
CREATE TABLE IF NOT EXISTS l2_transaction (
  hash BYTEA NOT NULL,
  batch_number BIGINT NOT NULL,
  transactions_hash BYTEA NOT NULL,
  batch_index INTEGER NOT NULL,
  PRIMARY KEY (hash, batch_number, transactions_hash)
);
