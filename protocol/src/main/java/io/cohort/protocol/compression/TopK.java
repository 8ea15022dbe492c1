package io.cohort.protocol.compression;

import java.util.Arrays;

/**
 * Selects the k largest-magnitude elements of a vector in expected linear time (quickselect for the k-th magnitude,
 * then one pass). Ties at the threshold go to the lowest positions, so the selection is deterministic.
 */
public final class TopK {
  private TopK() {}

  /**
   * The positions of the {@code k} elements of {@code values} with the largest magnitudes, ascending.
   *
   * @throws IllegalArgumentException unless {@code 0 <= k <= values.length}
   */
  public static int[] select(float[] values, int k) {
    int n = values.length;
    if (k < 0 || k > n) {
      throw new IllegalArgumentException("k must be in 0.." + n + ", got " + k);
    }
    if (k == 0) {
      return new int[0];
    }
    float[] magnitudes = new float[n];
    for (int i = 0; i < n; i++) {
      magnitudes[i] = magnitude(values[i]);
    }
    float threshold = kthLargest(magnitudes, k);
    int above = 0;
    for (float v : values) {
      if (magnitude(v) > threshold) {
        above++;
      }
    }
    int ties = k - above; // elements equal to the threshold still to take, lowest positions first
    int[] out = new int[k];
    int j = 0;
    for (int i = 0; i < n && j < k; i++) {
      float m = magnitude(values[i]);
      if (m > threshold) {
        out[j++] = i;
      } else if (m == threshold && ties > 0) {
        out[j++] = i;
        ties--;
      }
    }
    return out;
  }

  /** |v|, with NaN ranked above every number (so a NaN is sent, and refused by the coordinator). */
  private static float magnitude(float v) {
    return Float.isNaN(v) ? Float.POSITIVE_INFINITY : Math.abs(v);
  }

  /** The k-th largest of {@code a} (1-based); reorders {@code a}. */
  static float kthLargest(float[] a, int k) {
    int target = a.length - k; // index in ascending order
    int lo = 0;
    int hi = a.length - 1;
    while (hi - lo > 16) {
      int mid = (lo + hi) >>> 1;
      float pivot = median(a[lo], a[mid], a[hi]);
      int i = lo;
      int lt = lo;
      int gt = hi;
      while (i <= gt) { // three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot
        if (a[i] < pivot) {
          swap(a, lt++, i++);
        } else if (a[i] > pivot) {
          swap(a, i, gt--);
        } else {
          i++;
        }
      }
      if (target < lt) {
        hi = lt - 1;
      } else if (target > gt) {
        lo = gt + 1;
      } else {
        return pivot;
      }
    }
    Arrays.sort(a, lo, hi + 1);
    return a[target];
  }

  private static float median(float x, float y, float z) {
    return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
  }

  private static void swap(float[] a, int i, int j) {
    float t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
