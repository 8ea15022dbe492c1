package io.cohort.client;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A client's private examples: features and integer class labels, held as a view (an index list) over backing
 * arrays, so thousands of simulated clients can share one copy of a data set.
 *
 * <p>Features are row-major: example {@code i} of the backing arrays occupies {@code features[i * exampleSize() ..
 * (i + 1) * exampleSize())}. Instances are immutable as far as this class is concerned; the backing arrays must not be
 * changed while a dataset uses them.
 */
public final class LocalDataset {
  private final float[] features;
  private final int[] labels;
  private final int[] indices;
  private final List<Integer> exampleShape;
  private final int exampleSize;
  private final int numClasses;

  private LocalDataset(float[] features, int[] labels, int[] indices, List<Integer> exampleShape, int numClasses) {
    this.features = features;
    this.labels = labels;
    this.indices = indices;
    this.exampleShape = List.copyOf(exampleShape);
    this.exampleSize = this.exampleShape.stream().reduce(1, Math::multiplyExact);
    this.numClasses = numClasses;
  }

  /**
   * A dataset of every example in the arrays.
   *
   * @param features {@code labels.length * product(exampleShape)} values, row-major
   * @param labels class of each example, in {@code [0, numClasses)}
   * @param exampleShape shape of one example, e.g. {@code [1, 28, 28]} or {@code [13]}
   * @param numClasses number of classes
   * @throws IllegalArgumentException if the sizes disagree or a label is out of range
   */
  public static LocalDataset of(float[] features, int[] labels, List<Integer> exampleShape, int numClasses) {
    Objects.requireNonNull(features, "features");
    Objects.requireNonNull(labels, "labels");
    if (exampleShape.isEmpty() || exampleShape.stream().anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("exampleShape must be non-empty and positive, got " + exampleShape);
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
    }
    long size = exampleShape.stream().mapToLong(Integer::longValue).reduce(1, Math::multiplyExact);
    if ((long) labels.length * size != features.length) {
      throw new IllegalArgumentException("features hold " + features.length + " values but " + labels.length
          + " examples of shape " + exampleShape + " need " + labels.length * size);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is outside [0, "
            + numClasses + ")");
      }
    }
    int[] all = new int[labels.length];
    Arrays.setAll(all, i -> i);
    return new LocalDataset(features, labels, all, exampleShape, numClasses);
  }

  /**
   * A view of some of this dataset's examples; positions refer to this dataset's order.
   *
   * @throws IndexOutOfBoundsException if a position is outside {@code [0, size())}
   */
  public LocalDataset select(int[] positions) {
    int[] picked = new int[positions.length];
    for (int i = 0; i < positions.length; i++) {
      picked[i] = indices[Objects.checkIndex(positions[i], indices.length)];
    }
    return new LocalDataset(features, labels, picked, exampleShape, numClasses);
  }

  /** Number of examples. */
  public int size() {
    return indices.length;
  }

  /** Shape of one example. */
  public List<Integer> exampleShape() {
    return exampleShape;
  }

  /** Values per example. */
  public int exampleSize() {
    return exampleSize;
  }

  /** Number of classes. */
  public int numClasses() {
    return numClasses;
  }

  /** Label of the example at {@code position}. */
  public int label(int position) {
    return labels[indices[position]];
  }

  /** Copies the features of the example at {@code position} into {@code out} at {@code outOffset}. */
  public void copyFeatures(int position, float[] out, int outOffset) {
    System.arraycopy(features, indices[position] * exampleSize, out, outOffset, exampleSize);
  }

  /** Index, in the backing arrays, of the example at {@code position}. */
  public int backingIndex(int position) {
    return indices[position];
  }

  /** The backing feature array (shared; do not modify). */
  public float[] backingFeatures() {
    return features;
  }

  /** The backing label array (shared; do not modify). */
  public int[] backingLabels() {
    return labels;
  }
}
