package zkchain.derive;

/**
 * What L1 said about the rollup up to some block: the Virtual and verified heads, the state root
 * and accInputHash of the Virtual head, and the trusted sequencer. Roots as lowercase 0x-hex (the
 * node keeps views in its L1 position as JSON).
 */
public record L1View(long lastVirtual, String stateRoot, String accInputHash, long lastVerified,
                     String trustedSequencer) {
  L1View withTrustedSequencer(String sequencer) {
    return new L1View(lastVirtual, stateRoot, accInputHash, lastVerified, sequencer);
  }
}
