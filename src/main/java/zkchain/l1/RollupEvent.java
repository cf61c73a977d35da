package zkchain.l1;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * The three events of ZkChainRollup (PROTOCOL.md §5), decoded from L1 logs. Hashes and addresses
 * are lowercase 0x-hex.
 */
public sealed interface RollupEvent {
  L1Log log();

  /** Batches up to {@code numBatch} are sequenced: Virtual once their calldata is read. */
  record SequenceBatches(long numBatch, String accInputHash, L1Log log) implements RollupEvent {}

  /** Batches up to {@code numBatch} are Consolidated; {@code stateRoot} is the root of numBatch. */
  record VerifyBatchesTrustedAggregator(long numBatch, String stateRoot, String aggregator, L1Log log)
      implements RollupEvent {}

  /** Feed batches are signed by {@code newTrustedSequencer} from this L1 block on. */
  record SetTrustedSequencer(String newTrustedSequencer, L1Log log) implements RollupEvent {}

  Event SEQUENCE_BATCHES_EVENT = new Event("SequenceBatches",
      List.of(new TypeReference<Uint64>(true) {}, new TypeReference<Bytes32>() {}));
  Event VERIFY_BATCHES_TRUSTED_AGGREGATOR_EVENT = new Event("VerifyBatchesTrustedAggregator",
      List.of(new TypeReference<Uint64>(true) {}, new TypeReference<Bytes32>() {},
          new TypeReference<Address>(true) {}));
  Event SET_TRUSTED_SEQUENCER_EVENT = new Event("SetTrustedSequencer",
      List.of(new TypeReference<Address>() {}));

  /** topic0 of each event: keccak of its signature, lowercase 0x-hex. */
  String SEQUENCE_BATCHES_TOPIC = EventEncoder.encode(SEQUENCE_BATCHES_EVENT);
  String VERIFY_BATCHES_TRUSTED_AGGREGATOR_TOPIC = EventEncoder.encode(VERIFY_BATCHES_TRUSTED_AGGREGATOR_EVENT);
  String SET_TRUSTED_SEQUENCER_TOPIC = EventEncoder.encode(SET_TRUSTED_SEQUENCER_EVENT);

  /** All three topics, for one eth_getLogs filter (topic0 ∈ these). */
  List<String> TOPICS = List.of(SEQUENCE_BATCHES_TOPIC, VERIFY_BATCHES_TRUSTED_AGGREGATOR_TOPIC,
      SET_TRUSTED_SEQUENCER_TOPIC);

  /**
   * Decodes a log of the rollup contract; empty for a log that is none of the three events.
   * The caller filters by the rollup's address: any contract can emit a log with these topics.
   *
   * @throws IllegalArgumentException for a log with a known topic but the wrong shape
   */
  static Optional<RollupEvent> decode(Log log) {
    List<String> topics = log.getTopics();
    if (topics == null || topics.isEmpty()) return Optional.empty();
    String topic0 = topics.get(0).toLowerCase();
    byte[] data = Numeric.hexStringToByteArray(log.getData() == null ? "0x" : log.getData());
    L1Log at = new L1Log(log.getBlockNumber().longValueExact(), log.getBlockHash().toLowerCase(),
        log.getTransactionHash().toLowerCase(), log.getLogIndex().longValueExact());
    if (topic0.equals(SEQUENCE_BATCHES_TOPIC)) {
      expect(topics, 2, data, 32, "SequenceBatches");
      return Optional.of(new SequenceBatches(uint64(topics.get(1)), word(data, 0), at));
    }
    if (topic0.equals(VERIFY_BATCHES_TRUSTED_AGGREGATOR_TOPIC)) {
      expect(topics, 3, data, 32, "VerifyBatchesTrustedAggregator");
      return Optional.of(new VerifyBatchesTrustedAggregator(uint64(topics.get(1)), word(data, 0),
          address(Numeric.hexStringToByteArray(topics.get(2)), 0), at));
    }
    if (topic0.equals(SET_TRUSTED_SEQUENCER_TOPIC)) {
      expect(topics, 1, data, 32, "SetTrustedSequencer");
      return Optional.of(new SetTrustedSequencer(address(data, 0), at));
    }
    return Optional.empty();
  }

  private static void expect(List<String> topics, int topicCount, byte[] data, int dataLength, String event) {
    if (topics.size() != topicCount || data.length != dataLength) {
      throw new IllegalArgumentException(event + " log has " + topics.size() + " topics and " + data.length
          + " data bytes, expected " + topicCount + " and " + dataLength);
    }
  }

  private static long uint64(String topic) {
    BigInteger v = Numeric.toBigInt(topic);
    if (v.bitLength() > 64) throw new IllegalArgumentException("indexed uint64 out of range: " + topic);
    return v.longValue();
  }

  private static String word(byte[] data, int at) {
    return Numeric.toHexString(Arrays.copyOfRange(data, at, at + 32));
  }

  private static String address(byte[] word, int at) {
    return Numeric.toHexString(Arrays.copyOfRange(word, at + 12, at + 32));
  }
}
