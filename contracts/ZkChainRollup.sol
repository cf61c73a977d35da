// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVerifier} from "./IVerifier.sol";

/// @title ZkChainRollup: the L1 rollup contract of a zk-chain (PROTOCOL.md §5).
/// @notice Orders batches (sequencing, by the trusted sequencer) and records verified state roots
///         (consolidation, by the trusted aggregator). Batch data lives only in the calldata of
///         `sequenceBatches`; nodes read it from the L1 transaction that emitted `SequenceBatches`.
contract ZkChainRollup {
    struct BatchData {
        bytes transactions;
        uint64 timestamp;
    }

    /// @dev Stored only for the last batch of each sequencing call.
    struct SequencedBatchData {
        bytes32 accInputHash;
        uint64 sequencedTimestamp;
        uint64 previousLastBatchSequenced;
    }

    /// @dev PROTOCOL.md §4: the most bytes of transactions one batch may carry.
    uint256 public constant MAX_TRANSACTIONS_BYTE_LENGTH = 120000;

    /// @dev The BN254 scalar field: inputSnark is reduced into it so a SNARK verifier can take it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @param numBatch the last batch of the sequencing call
    event SequenceBatches(uint64 indexed numBatch, bytes32 accInputHash);
    /// @param numBatch the new last verified batch; stateRoot is its state root
    event VerifyBatchesTrustedAggregator(uint64 indexed numBatch, bytes32 stateRoot, address indexed aggregator);
    event SetTrustedSequencer(address newTrustedSequencer);

    address public immutable admin;
    address public immutable trustedAggregator;
    IVerifier public immutable verifier;
    uint64 public immutable chainID;

    address public trustedSequencer;
    uint64 public lastBatchSequenced;
    uint64 public lastVerifiedBatch;
    /// @notice Timestamp of the last sequenced batch; the next batch may not be older.
    uint64 public lastTimestamp;

    mapping(uint64 => SequencedBatchData) public sequencedBatches;
    mapping(uint64 => bytes32) public batchNumToStateRoot;

    constructor(
        address admin_,
        address trustedSequencer_,
        address trustedAggregator_,
        IVerifier verifier_,
        uint64 chainID_,
        bytes32 genesisRoot
    ) {
        admin = admin_;
        trustedSequencer = trustedSequencer_;
        trustedAggregator = trustedAggregator_;
        verifier = verifier_;
        chainID = chainID_;
        // Batch 0 is the genesis: verification of batch 1 starts from this root.
        batchNumToStateRoot[0] = genesisRoot;
    }

    /// @notice Sequences `batches` as lastBatchSequenced+1, ..., all with `l2Coinbase` as coinbase.
    function sequenceBatches(BatchData[] calldata batches, address l2Coinbase) external {
        require(msg.sender == trustedSequencer, "only trusted sequencer");
        uint256 count = batches.length;
        require(count > 0, "no batches to sequence");

        uint64 previousLastBatchSequenced = lastBatchSequenced;
        // Zero for batch 0, which is accInputHash(0) (PROTOCOL.md §4).
        bytes32 accInputHash = sequencedBatches[previousLastBatchSequenced].accInputHash;
        uint64 currentTimestamp = lastTimestamp;

        for (uint256 i = 0; i < count; i++) {
            BatchData calldata batch = batches[i];
            require(batch.transactions.length <= MAX_TRANSACTIONS_BYTE_LENGTH, "transactions exceed 120000 bytes");
            require(batch.timestamp >= currentTimestamp, "timestamp below last timestamp");
            require(batch.timestamp <= block.timestamp, "timestamp above block timestamp");
            accInputHash = keccak256(
                abi.encodePacked(accInputHash, keccak256(batch.transactions), batch.timestamp, l2Coinbase)
            );
            currentTimestamp = batch.timestamp;
        }

        uint64 last = previousLastBatchSequenced + uint64(count);
        sequencedBatches[last] = SequencedBatchData({
            accInputHash: accInputHash,
            sequencedTimestamp: uint64(block.timestamp),
            previousLastBatchSequenced: previousLastBatchSequenced
        });
        lastBatchSequenced = last;
        lastTimestamp = currentTimestamp;
        emit SequenceBatches(last, accInputHash);
    }

    /// @notice Consolidates batches (initNumBatch, finalNewBatch] with `newStateRoot` as the state
    ///         root of finalNewBatch, if the verifier accepts `proof`.
    function verifyBatchesTrustedAggregator(
        uint64 initNumBatch,
        uint64 finalNewBatch,
        bytes32 newStateRoot,
        bytes calldata proof
    ) external {
        require(msg.sender == trustedAggregator, "only trusted aggregator");
        require(initNumBatch == lastVerifiedBatch, "initNumBatch is not lastVerifiedBatch");
        require(finalNewBatch > initNumBatch, "finalNewBatch not above initNumBatch");
        require(finalNewBatch <= lastBatchSequenced, "finalNewBatch not sequenced");
        // Only the last batch of a sequencing call has a stored accInputHash to verify against.
        bytes32 newAccInputHash = sequencedBatches[finalNewBatch].accInputHash;
        require(newAccInputHash != bytes32(0), "finalNewBatch is not a sequence boundary");

        uint256 inputSnark = uint256(
            sha256(
                abi.encodePacked(
                    msg.sender,
                    batchNumToStateRoot[initNumBatch],
                    sequencedBatches[initNumBatch].accInputHash,
                    initNumBatch,
                    chainID,
                    newStateRoot,
                    newAccInputHash,
                    finalNewBatch
                )
            )
        ) % SNARK_SCALAR_FIELD;
        require(verifier.verifyProof(proof, [inputSnark]), "invalid proof");

        batchNumToStateRoot[finalNewBatch] = newStateRoot;
        lastVerifiedBatch = finalNewBatch;
        emit VerifyBatchesTrustedAggregator(finalNewBatch, newStateRoot, msg.sender);
    }

    function setTrustedSequencer(address newTrustedSequencer) external {
        require(msg.sender == admin, "only admin");
        trustedSequencer = newTrustedSequencer;
        emit SetTrustedSequencer(newTrustedSequencer);
    }
}
