package io.cohort.crypto.secagg;

import java.util.List;
import java.util.Objects;

/**
 * The public parameters of one secure-aggregation round, identical at the server and every client.
 *
 * @param runId the training run; bound into every derived key, so keys never carry over between runs
 * @param round the round number (>= 0); bound into every derived key
 * @param participants the clients selected for the round, sorted ascending by {@link String#compareTo}, distinct,
 *     at least two; a client's Shamir point is its index here plus one
 * @param neighbours {@code k}, the degree of the neighbour graph: 1..n-1 ({@code n - 1} is full SecAgg)
 * @param threshold {@code t}, shares needed to rebuild a secret: 1..k (see {@link #defaultThreshold})
 * @param graphSeed the seed of the neighbour graph (public; chosen by the server)
 * @param vectorLength the length of every encoded input, >= 1 (for {@link Quantizer}: update length + 1)
 */
public record SecAggParameters(String runId, int round, List<String> participants, int neighbours, int threshold,
    long graphSeed, int vectorLength) {

  /**
   * Validates every field.
   *
   * @throws IllegalArgumentException naming the field and the allowed range
   */
  public SecAggParameters {
    if (runId == null || runId.isEmpty()) {
      throw new IllegalArgumentException("runId must be a non-empty string");
    }
    if (round < 0) {
      throw new IllegalArgumentException("round must be >= 0, got " + round);
    }
    participants = List.copyOf(Objects.requireNonNull(participants, "participants"));
    NeighbourGraph.checkParticipants(participants);
    int n = participants.size();
    if (neighbours < 1 || neighbours > n - 1) {
      throw new IllegalArgumentException("neighbours must be in 1.." + (n - 1) + " (n - 1), got " + neighbours);
    }
    if (threshold < 1 || threshold > neighbours) {
      throw new IllegalArgumentException("threshold must be in 1.." + neighbours + " (neighbours), got " + threshold);
    }
    if (vectorLength < 1) {
      throw new IllegalArgumentException("vectorLength must be >= 1, got " + vectorLength);
    }
  }

  /**
   * The SecAgg+ default degree {@code min(n - 1, 6 * ceil(log2 n))}: logarithmic in {@code n} (Bell et al. 2020), so
   * each client's work grows with {@code log n}, not {@code n}. The constant 6 is set for dropout: with the majority
   * threshold, a round fails when some client has fewer than {@code k/2 + 1} neighbours left to answer the unmask
   * stage. With clients crashing at a uniformly random stage, a Monte-Carlo run of the protocol's survival condition
   * ({@code crypto/src/test/python/secagg_dropout.py}) gave these round failure rates:
   * <pre>
   *   dropout   n=20 (k=19)   n=50 (k=36)   n=100 (k=42)   n=1000 (k=60)
   *   10 %      0             0             0              0
   *   20 %      0.1 %         0.1 %         0.1 %          0
   *   30 %      5.0 %         5.0 %         8.5 %          12 %
   * </pre>
   * whereas {@code 2 * ceil(log2 n)} failed 20 % of rounds at n = 20 and 30 % at n = 100 with 20 % dropout.
   *
   * @throws IllegalArgumentException if {@code n < 2}
   */
  public static int defaultNeighbours(int n) {
    if (n < 2) {
      throw new IllegalArgumentException("n must be >= 2, got " + n);
    }
    int ceilLog2 = 32 - Integer.numberOfLeadingZeros(n - 1);
    return Math.min(n - 1, 6 * ceilLog2);
  }

  /**
   * The default threshold {@code neighbours / 2 + 1}, a strict majority of a client's neighbours: honest neighbours
   * reveal only one kind of share per client, so a semi-honest server can never collect a majority of both.
   *
   * @throws IllegalArgumentException if {@code neighbours < 1}
   */
  public static int defaultThreshold(int neighbours) {
    if (neighbours < 1) {
      throw new IllegalArgumentException("neighbours must be >= 1, got " + neighbours);
    }
    return neighbours / 2 + 1;
  }

  /** The neighbour graph of these parameters; computed on each call, so callers keep it. */
  public NeighbourGraph graph() {
    return NeighbourGraph.of(participants, neighbours, graphSeed);
  }

  /** The Shamir point of {@code clientId}: its index in {@link #participants} plus one, or -1 if absent. */
  int shareIndex(String clientId) {
    int i = java.util.Collections.binarySearch(participants, clientId);
    return i < 0 ? -1 : i + 1;
  }
}
