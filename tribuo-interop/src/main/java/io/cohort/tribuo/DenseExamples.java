package io.cohort.tribuo;

import java.util.Objects;

/**
 * Labelled examples as dense arrays under a {@link FeatureMapping}: row {@code i} is {@code features[i *
 * featureCount() .. (i + 1) * featureCount())} in the mapping's feature order, and {@code labels[i]} is its class
 * index in the mapping's label order.
 *
 * <p>The arrays are shared, not copied: callers must not modify them. As with any record holding arrays, {@code
 * equals} compares them by identity.
 *
 * @param features {@code size() * mapping.featureCount()} values, row-major
 * @param labels the class index of each row, in {@code [0, mapping.classCount())}
 * @param mapping what the positions and class indices mean
 */
public record DenseExamples(float[] features, int[] labels, FeatureMapping mapping) {
  /**
   * Checks that the sizes agree and every label is a class of the mapping.
   *
   * @throws IllegalArgumentException if they do not
   */
  public DenseExamples {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(mapping, "mapping");
    if ((long) labels.length * mapping.featureCount() != features.length) {
      throw new IllegalArgumentException(labels.length + " rows of " + mapping.featureCount() + " features need "
          + (long) labels.length * mapping.featureCount() + " values, got " + features.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= mapping.classCount()) {
        throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is outside [0, "
            + mapping.classCount() + ")");
      }
    }
  }

  /** Number of rows. */
  public int size() {
    return labels.length;
  }

  /** A copy of row {@code i}. */
  public float[] row(int i) {
    Objects.checkIndex(i, size());
    int n = mapping.featureCount();
    float[] row = new float[n];
    System.arraycopy(features, i * n, row, 0, n);
    return row;
  }

  /**
   * The rows at {@code positions}, in that order, copied into new arrays.
   *
   * @throws IndexOutOfBoundsException if a position is outside {@code [0, size())}
   */
  public DenseExamples select(int[] positions) {
    int n = mapping.featureCount();
    float[] x = new float[positions.length * n];
    int[] y = new int[positions.length];
    for (int k = 0; k < positions.length; k++) {
      int i = Objects.checkIndex(positions[k], size());
      System.arraycopy(features, i * n, x, k * n, n);
      y[k] = labels[i];
    }
    return new DenseExamples(x, y, mapping);
  }
}
