package io.cohort.simulation.data;

import io.cohort.client.LocalDataset;
import java.util.List;
import java.util.Objects;

/**
 * One split of an image classification data set: pixels and integer labels in flat arrays.
 *
 * <p>Example {@code i} occupies {@code features[i * exampleSize() .. (i + 1) * exampleSize())}, row-major in the
 * order of {@link #exampleShape()} (channels, rows, columns). The arrays are shared, not copied: callers must not
 * modify them. As with any record holding arrays, {@code equals} compares the arrays by identity.
 *
 * @param features {@code size() * exampleSize()} values: pixels in {@code [0, 1]}, or a CSV's values as they are
 * @param labels class of each example, in {@code [0, numClasses)}
 * @param exampleShape shape of one example, e.g. {@code [1, 28, 28]}
 * @param numClasses number of classes
 */
public record LabeledImages(float[] features, int[] labels, List<Integer> exampleShape, int numClasses) {
  /**
   * Validates the sizes and the label range.
   *
   * @throws IllegalArgumentException if the feature count does not match the labels and shape, or a label is out
   *     of range
   */
  public LabeledImages {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    exampleShape = List.copyOf(exampleShape);
    if (exampleShape.isEmpty() || exampleShape.stream().anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("exampleShape must be non-empty and positive, got " + exampleShape);
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
    }
    long size = exampleShape.stream().mapToLong(Integer::longValue).reduce(1, Math::multiplyExact);
    if (size * labels.length != features.length) {
      throw new IllegalArgumentException(labels.length + " labels with examples of shape " + exampleShape + " need "
          + size * labels.length + " feature values, but there are " + features.length);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is outside [0, "
            + numClasses + ")");
      }
    }
  }

  /** Number of examples. */
  public int size() {
    return labels.length;
  }

  /** Values per example: the product of {@link #exampleShape()}. */
  public int exampleSize() {
    return exampleShape.stream().reduce(1, Math::multiplyExact);
  }

  /** Examples per class, indexed by class. */
  public int[] classCounts() {
    int[] counts = new int[numClasses];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  /** A client-sdk view of every example, sharing these arrays (no copy). */
  public LocalDataset toLocalDataset() {
    return LocalDataset.of(features, labels, exampleShape, numClasses);
  }
}
