package io.cohort.coordinator;

/**
 * Asynchronous buffered aggregation, FedBuff (Nguyen et al., AISTATS 2022, "Federated Learning with Buffered
 * Asynchronous Aggregation"): clients train continuously on the newest model they were given, and the coordinator
 * applies an aggregate every {@code buffer} arrived updates, with no round barrier. Each "round" of the run is one
 * buffer, that is one server step.
 *
 * <p>An update trained on model version {@code v} that arrives while the buffer builds on version {@code v + s} has
 * staleness {@code s}; its delta is scaled by {@link #stalenessWeight(int) (1 + s)^-1/2} (FedBuff's polynomial
 * weighting) before it joins the buffer's example-weighted mean, and an update staler than {@code maxStaleness} is
 * refused ({@code STALE_MODEL}) and its client handed the current model. Uploads already in flight when the K-th
 * update lands join the same step, so a step may sum a few more than K updates rather than waste their work.
 *
 * @param buffer updates per server step, K (FedBuff's default is 10)
 * @param maxStaleness the stalest update accepted, in server steps
 */
public record AsyncSettings(int buffer, int maxStaleness) {
  /** Checks the ranges. */
  public AsyncSettings {
    if (buffer < 1) {
      throw new IllegalArgumentException("the async buffer must hold at least 1 update, got " + buffer
          + "; e.g. --buffer 5");
    }
    if (maxStaleness < 0) {
      throw new IllegalArgumentException("the maximum staleness must be >= 0 server steps, got " + maxStaleness);
    }
  }

  /** FedBuff's staleness weight {@code 1 / sqrt(1 + staleness)}. */
  public static double stalenessWeight(int staleness) {
    if (staleness < 0) {
      throw new IllegalArgumentException("staleness must be >= 0, got " + staleness);
    }
    return 1 / Math.sqrt(1.0 + staleness);
  }
}
