// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVerifier} from "./IVerifier.sol";

/// @title DevAttestationVerifier: a development stand-in for a verifier. NOT a zero-knowledge proof.
/// @notice Accepts a "proof" when it is a 65-byte secp256k1 signature (r ‖ s ‖ v, v ∈ {27, 28},
///         s ≤ n/2) of keccak256(abi.encodePacked(inputSnark)) by the prover address fixed at deploy
///         time. It proves nothing about the batches: it only attests that the holder of the prover
///         key vouched for this inputSnark. Trust in the rollup's state roots is then trust in that
///         key. Replace it with a real verifier contract by deploying ZkChainRollup with another
///         verifier address.
contract DevAttestationVerifier is IVerifier {
    /// @dev secp256k1n / 2: signatures with a larger s are the malleable twin of a valid one (EIP-2).
    uint256 private constant HALF_CURVE_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The only key whose signature is accepted.
    address public immutable prover;

    constructor(address prover_) {
        require(prover_ != address(0), "prover is the zero address");
        prover = prover_;
    }

    /// @inheritdoc IVerifier
    /// @dev Returns false rather than reverting on a malformed signature, so the rollup reports one
    ///      clear reason ("invalid proof") for every refused proof.
    function verifyProof(bytes calldata proof, uint256[1] calldata pubSignals) external view returns (bool) {
        if (proof.length != 65) return false;
        bytes32 r = bytes32(proof[0:32]);
        bytes32 s = bytes32(proof[32:64]);
        uint8 v = uint8(proof[64]);
        if (uint256(s) > HALF_CURVE_ORDER) return false;
        if (v != 27 && v != 28) return false;
        address signer = ecrecover(keccak256(abi.encodePacked(pubSignals[0])), v, r, s);
        return signer != address(0) && signer == prover;
    }
}
