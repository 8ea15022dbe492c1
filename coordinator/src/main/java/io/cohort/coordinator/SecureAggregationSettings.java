package io.cohort.coordinator;

import java.time.Duration;

/**
 * How training rounds use secure aggregation (SecAgg+). When enabled, the coordinator never receives a client's update
 * in the clear: clients upload quantised, masked vectors whose masks cancel only in the cohort's sum.
 *
 * @param enabled whether rounds are secure
 * @param neighbours k, the degree of the masking graph; 0 picks {@code min(n - 1, 2 ceil(log2 n))} per round; a value
 *     of n - 1 or more gives full SecAgg (every pair masks)
 * @param threshold t, the shares needed to reconstruct a client's secrets; 0 picks a majority of k ({@code k/2 + 1})
 * @param clipRange each coordinate of an update is clipped to {@code [-clipRange, clipRange]} before quantisation
 * @param maxWeight a client's example count is capped at this when weighting (the weight is summed securely too)
 * @param stageTimeout how long the key, share and unmask stages wait for answers; the masked-input stage, which
 *     includes local training, waits for the round timeout
 */
public record SecureAggregationSettings(
    boolean enabled, int neighbours, int threshold, double clipRange, long maxWeight, Duration stageTimeout) {

  public SecureAggregationSettings {
    if (neighbours < 0) {
      throw new IllegalArgumentException("secagg neighbours must be >= 1 (or 0 for the default), got " + neighbours);
    }
    if (threshold < 0) {
      throw new IllegalArgumentException("secagg threshold must be >= 1 (or 0 for the default), got " + threshold);
    }
    if (threshold > 0 && neighbours > 0 && threshold > neighbours) {
      throw new IllegalArgumentException(
          "secagg threshold (" + threshold + ") must not exceed secagg neighbours (" + neighbours + ")");
    }
    if (!(clipRange > 0) || Double.isInfinite(clipRange)) {
      throw new IllegalArgumentException("secagg clip range must be a positive number, got " + clipRange);
    }
    if (maxWeight < 1 || maxWeight > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("secagg max weight must be in 1.." + Integer.MAX_VALUE / 2 + ", got " + maxWeight);
    }
    if (stageTimeout == null || stageTimeout.isNegative() || stageTimeout.isZero()) {
      throw new IllegalArgumentException("secagg stage timeout must be positive, got " + stageTimeout);
    }
  }

  /** Secure aggregation off: clients upload plain updates. */
  public static SecureAggregationSettings off() {
    return new SecureAggregationSettings(false, 0, 0, 1.0, 10_000, Duration.ofSeconds(30));
  }

  /** Secure aggregation on, with default k, t, clip range 1.0, weight cap 10,000 and 30 s per stage. */
  public static SecureAggregationSettings on() {
    return off().withEnabled(true);
  }

  public SecureAggregationSettings withEnabled(boolean on) {
    return new SecureAggregationSettings(on, neighbours, threshold, clipRange, maxWeight, stageTimeout);
  }

  public SecureAggregationSettings withNeighbours(int k) {
    return new SecureAggregationSettings(enabled, k, threshold, clipRange, maxWeight, stageTimeout);
  }

  public SecureAggregationSettings withThreshold(int t) {
    return new SecureAggregationSettings(enabled, neighbours, t, clipRange, maxWeight, stageTimeout);
  }

  public SecureAggregationSettings withClipRange(double c) {
    return new SecureAggregationSettings(enabled, neighbours, threshold, c, maxWeight, stageTimeout);
  }

  public SecureAggregationSettings withMaxWeight(long w) {
    return new SecureAggregationSettings(enabled, neighbours, threshold, clipRange, w, stageTimeout);
  }

  public SecureAggregationSettings withStageTimeout(Duration d) {
    return new SecureAggregationSettings(enabled, neighbours, threshold, clipRange, maxWeight, d);
  }
}
