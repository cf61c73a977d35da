package zkchain.sequencer;

import java.util.Optional;
import zkchain.protocol.Hash32;
import zkchain.protocol.SkipReason;

/** What the sequencer answers to eth_sendRawTransaction. */
public sealed interface Admission permits Admission.Admitted, Admission.Refused {
  Hash32 hash();

  /** In the open batch; it will apply when the batch executes. */
  record Admitted(Hash32 hash) implements Admission {}

  /**
   * Not admitted. {@code reason} is the §2 skip reason the transaction would get in a batch now;
   * it is empty when the transaction is valid but cannot go into any batch (over the byte limit).
   */
  record Refused(Hash32 hash, Optional<SkipReason> reason, String message) implements Admission {
    static Refused skipped(Hash32 hash, SkipReason reason, String detail) {
      return new Refused(hash, Optional.of(reason), reason.word() + ": " + detail);
    }
  }
}
