// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The proof check ZkChainRollup delegates to (PROTOCOL.md §5). A real ZK verifier and the
///         development attestation verifier both implement it, so swapping one for the other is a
///         deployment choice, not a contract change.
interface IVerifier {
    /// @param proof the proof bytes, whose format is the verifier's own
    /// @param pubSignals the single public input: inputSnark, already reduced mod the BN254 field
    /// @return true when the proof is accepted
    function verifyProof(bytes calldata proof, uint256[1] calldata pubSignals) external view returns (bool);
}
