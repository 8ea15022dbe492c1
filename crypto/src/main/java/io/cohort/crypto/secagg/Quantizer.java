package io.cohort.crypto.secagg;

/**
 * Fixed-point encoding of weighted model updates into Z<sub>2<sup>32</sup></sub>, so that masked vectors can be summed
 * with wrapping {@code int} arithmetic and the sum decoded into a weighted mean.
 *
 * <p>Encoding: each coordinate is clipped to {@code [-clipRange, clipRange]}, multiplied by the client's weight
 * {@code w = min(numExamples, maxWeight) / maxWeight}, multiplied by {@link #scale()} and rounded to the nearest
 * integer (and clamped to {@code ±floor((2^31 - 1) / maxParticipants)}, which the rounding could otherwise exceed by
 * one). One more element is appended: the weight as a count, {@code min(numExamples, maxWeight)}, so the total weight
 * is aggregated under the same masks. {@code scale() = floor((2^31 - 1) / (maxParticipants * clipRange))}, so the sum
 * of up to {@code maxParticipants} encoded vectors never leaves the signed 32-bit range; with
 * {@code maxParticipants * maxWeight < 2^31} the weight sum never does either.
 *
 * <p>Error: each encoded coordinate is within 0.5 of its exact scaled value, so a decoded weighted mean of {@code m}
 * vectors is within {@code m * maxWeight / (2 * scale * totalWeight)} of the exact weighted mean of the clipped
 * coordinates (plus {@code float} rounding); that is {@code 1 / (2 * scale)} when every client has the full weight.
 *
 * <p><b>Security guarantees.</b> None by itself; it makes secure aggregation exact: no sum of up to
 * {@code maxParticipants} encodings wraps around, so masking modulo 2<sup>32</sup> loses nothing. Clipping bounds
 * each client's influence on the mean. Note what the server learns besides the mean: the total weight (the sum of the
 * survivors' capped example counts). <b>Not</b> provided: differential privacy (add calibrated noise before
 * encoding) or any check that a client's encoding is in range (a malicious client can send any 32-bit values).
 *
 * @param clipRange the largest magnitude kept per coordinate: positive and finite
 * @param maxWeight the example count at which a client's weight saturates: >= 1
 * @param maxParticipants the most vectors that will ever be summed: >= 1
 */
public record Quantizer(double clipRange, long maxWeight, int maxParticipants) {
  private static final long INT_MAX = Integer.MAX_VALUE;

  /**
   * Validates the parameters.
   *
   * @throws IllegalArgumentException naming the field and the allowed range
   */
  public Quantizer {
    if (!(clipRange > 0) || Double.isInfinite(clipRange)) {
      throw new IllegalArgumentException("clipRange must be positive and finite, got " + clipRange);
    }
    if (maxWeight < 1) {
      throw new IllegalArgumentException("maxWeight must be >= 1, got " + maxWeight);
    }
    if (maxParticipants < 1) {
      throw new IllegalArgumentException("maxParticipants must be >= 1, got " + maxParticipants);
    }
    if (maxWeight >= (1L << 31) || maxParticipants * maxWeight >= (1L << 31)) {
      throw new IllegalArgumentException("maxParticipants * maxWeight must be < 2^31, got " + maxParticipants
          + " * " + maxWeight);
    }
    if (Math.floor(INT_MAX / (maxParticipants * clipRange)) < 1) {
      throw new IllegalArgumentException("clipRange must be <= (2^31 - 1) / maxParticipants = "
          + (INT_MAX / (double) maxParticipants) + ", got " + clipRange);
    }
  }

  /** Integer units per unit of the (weighted, clipped) value: {@code floor((2^31 - 1) / (maxParticipants * clipRange))}. */
  public double scale() {
    return Math.floor(INT_MAX / (maxParticipants * clipRange));
  }

  /**
   * The encoding of {@code update} from a client that trained on {@code numExamples} examples.
   *
   * @return a new array of {@code update.length + 1} elements, the last the weight count
   * @throws IllegalArgumentException on a NaN or infinite coordinate (naming its index) or a negative count
   */
  public int[] encode(float[] update, long numExamples) {
    if (numExamples < 0) {
      throw new IllegalArgumentException("numExamples must be >= 0, got " + numExamples);
    }
    long count = Math.min(numExamples, maxWeight);
    double factor = (double) count / maxWeight * scale();
    long bound = INT_MAX / maxParticipants;
    int[] out = new int[update.length + 1];
    for (int i = 0; i < update.length; i++) {
      float value = update[i];
      if (!Float.isFinite(value)) {
        throw new IllegalArgumentException("update[" + i + "] is not finite: " + value);
      }
      double clipped = Math.max(-clipRange, Math.min(clipRange, value));
      long rounded = Math.round(clipped * factor);
      out[i] = (int) Math.max(-bound, Math.min(bound, rounded));
    }
    out[update.length] = (int) count;
    return out;
  }

  /**
   * The weighted mean encoded in {@code sum}, the wrapping {@code int} sum of encoded vectors:
   * {@code mean[i] = sum[i] * maxWeight / (scale * totalWeight)}.
   *
   * @throws IllegalArgumentException if {@code sum} has fewer than 2 elements or its total weight is not positive
   */
  public Decoded decode(int[] sum) {
    if (sum.length < 2) {
      throw new IllegalArgumentException("sum must hold at least one coordinate and the weight, got length "
          + sum.length);
    }
    long totalWeight = sum[sum.length - 1];
    if (totalWeight <= 0) {
      throw new IllegalArgumentException("total weight must be positive, got " + totalWeight
          + " (no examples, or not a sum of encoded vectors)");
    }
    double factor = maxWeight / (scale() * totalWeight);
    float[] mean = new float[sum.length - 1];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (float) (sum[i] * factor);
    }
    return new Decoded(mean, totalWeight);
  }

  /**
   * A decoded sum.
   *
   * @param mean the weighted mean update
   * @param totalWeight the sum of the clients' weight counts
   */
  public record Decoded(float[] mean, long totalWeight) {}
}
