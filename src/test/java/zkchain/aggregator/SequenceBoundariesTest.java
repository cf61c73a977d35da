package zkchain.aggregator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The verification policy over executed sequence boundaries, without L1. */
class SequenceBoundariesTest {
  static final String ZERO = "0x" + "00".repeat(32);

  /** Boundaries 0 (genesis, block 1), 5 (block 10), 10 (block 11), 30 (block 12), 35 (block 20). */
  static final SequenceBoundaries BOUNDARIES = boundaries(List.of(
      new long[] {0, 1}, new long[] {5, 10}, new long[] {10, 11}, new long[] {30, 12}, new long[] {35, 20}));

  static SequenceBoundaries boundaries(List<long[]> batchAndBlock) {
    TreeMap<Long, SequenceBoundaries.Boundary> m = new TreeMap<>();
    for (long[] b : batchAndBlock) m.put(b[0], new SequenceBoundaries.Boundary(b[0], "0x" + b[0], ZERO, b[1]));
    return new SequenceBoundaries(m);
  }

  static Optional<Long> target(long lastVerified, long deepEnough, int cap) {
    return BOUNDARIES.target(lastVerified, deepEnough, cap).map(SequenceBoundaries.Boundary::numBatch);
  }

  @Test
  void theNewestBoundaryDeepEnoughWithoutACap() {
    assertEquals(Optional.of(35L), target(0, 100, 0));
    assertEquals(Optional.of(30L), target(0, 19, 0), "block 20 is not deep enough");
    assertEquals(Optional.of(5L), target(0, 10, 0));
    assertEquals(Optional.empty(), target(0, 9, 0));
    assertEquals(Optional.empty(), target(35, 100, 0), "nothing above lastVerifiedBatch");
  }

  @Test
  void aCapStopsAtTheNewestBoundaryWithinItButNeverSplitsASequence() {
    assertEquals(Optional.of(10L), target(0, 100, 10));
    assertEquals(Optional.of(10L), target(5, 100, 10));
    assertEquals(Optional.of(30L), target(10, 100, 10), "batches 11..30 are one sequence: verified whole");
    assertEquals(Optional.of(35L), target(30, 100, 10));
  }

  @Test
  void forgetsOnlyVerifiedBoundariesBelowTheReorgWindow() {
    SequenceBoundaries kept = BOUNDARIES.forgetBelow(30, 11);
    assertEquals(List.of(10L, 30L, 35L), List.copyOf(kept.byBatch().keySet()));
    assertEquals(List.of(0L, 5L, 10L, 30L, 35L), List.copyOf(BOUNDARIES.forgetBelow(5, 1).byBatch().keySet()));
  }
}
