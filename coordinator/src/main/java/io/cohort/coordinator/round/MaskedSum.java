package io.cohort.coordinator.round;

/**
 * The running sum of a secure round's masked vectors: element-wise addition modulo 2<sup>32</sup>, which is Java's
 * {@code int} addition. Public so that benchmarks time the very loop the coordinator runs.
 */
public final class MaskedSum {
  private MaskedSum() {}

  /**
   * {@code sum[i] += masked[i]} for every {@code i}, wrapping.
   *
   * @throws IllegalArgumentException if the lengths differ
   */
  public static void add(int[] sum, int[] masked) {
    if (sum.length != masked.length) {
      throw new IllegalArgumentException("masked vector has " + masked.length + " words, the sum " + sum.length);
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] += masked[i]; // Java int arithmetic wraps: exactly addition in Z_2^32
    }
  }
}
