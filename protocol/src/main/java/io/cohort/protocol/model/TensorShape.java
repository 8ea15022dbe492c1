package io.cohort.protocol.model;

import java.util.Arrays;
import java.util.List;

/**
 * One named parameter tensor: its row-major shape and where it starts in the model's flat parameter vector.
 *
 * @param name canonical name, e.g. {@code dense0/W}
 * @param shape dimensions, row-major
 * @param offset index of the first element in the flat parameter vector
 */
public record TensorShape(String name, List<Integer> shape, int offset) {
  public TensorShape {
    shape = List.copyOf(shape);
  }

  /** Number of elements. */
  public int size() {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The shape as an int array. */
  public int[] dims() {
    return shape.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The shape as a long array, as it travels on the wire. */
  public long[] wireShape() {
    return Arrays.stream(dims()).asLongStream().toArray();
  }
}
