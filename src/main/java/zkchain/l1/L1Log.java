package zkchain.l1;

/**
 * Where on L1 an event was emitted: enough to find its transaction (for the batch calldata), order
 * events, and notice an L1 reorg when the block hash at that height changes.
 *
 * @param blockNumber L1 block number
 * @param blockHash L1 block hash, lowercase 0x-hex
 * @param txHash hash of the L1 transaction that emitted the event, lowercase 0x-hex
 * @param logIndex position of the log in its block
 */
public record L1Log(long blockNumber, String blockHash, String txHash, long logIndex) {}
