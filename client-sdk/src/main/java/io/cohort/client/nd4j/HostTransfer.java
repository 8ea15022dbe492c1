package io.cohort.client.nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between Java arrays and the native memory of detached, contiguous, zero-offset arrays (the network's
 * parameter, gradient and batch buffers). Going through the buffer's NIO view avoids the per-call Java and native
 * temporaries of {@code Nd4j.createFromArray} / {@code toFloatVector}. Only absolute (index-based) buffer calls are
 * used, so nothing depends on whether ND4J hands out a fresh or a shared NIO view.
 */
final class HostTransfer {
  private HostTransfer() {}

  static void write(INDArray target, float[] source, int length) {
    checkBulk(target, length);
    if (target.dataType() == DataType.FLOAT) {
      target.data().asNioFloat().put(0, source, 0, length);
    } else {
      DoubleBuffer buffer = target.data().asNioDouble();
      for (int i = 0; i < length; i++) {
        buffer.put(i, source[i]);
      }
    }
  }

  static void write(INDArray target, double[] source, int length) {
    checkBulk(target, length);
    if (target.dataType() == DataType.DOUBLE) {
      target.data().asNioDouble().put(0, source, 0, length);
    } else {
      FloatBuffer buffer = target.data().asNioFloat();
      for (int i = 0; i < length; i++) {
        buffer.put(i, (float) source[i]);
      }
    }
  }

  static void read(INDArray source, float[] target, int length) {
    checkBulk(source, length);
    if (source.dataType() == DataType.FLOAT) {
      source.data().asNioFloat().get(0, target, 0, length);
    } else {
      DoubleBuffer buffer = source.data().asNioDouble();
      for (int i = 0; i < length; i++) {
        target[i] = (float) buffer.get(i);
      }
    }
  }

  static void read(INDArray source, double[] target, int length) {
    checkBulk(source, length);
    if (source.dataType() == DataType.DOUBLE) {
      source.data().asNioDouble().get(0, target, 0, length);
    } else {
      FloatBuffer buffer = source.data().asNioFloat();
      for (int i = 0; i < length; i++) {
        target[i] = buffer.get(i);
      }
    }
  }

  /**
   * Copies {@code length} elements of {@code source} from element {@code from} on ({@code source} may be a view at an
   * offset but must be dense in row-major order, FLOAT or DOUBLE) into {@code scratch} if it is a Java array of the
   * source's type and large enough, else into a new one; returns the array written.
   */
  static Object readInto(INDArray source, long from, Object scratch, int length) {
    int offset = denseOffset(source, from, length);
    if (source.dataType() == DataType.FLOAT) {
      float[] target = scratch instanceof float[] f && f.length >= length ? f : new float[length];
      source.data().asNioFloat().get(offset, target, 0, length);
      return target;
    }
    double[] target = scratch instanceof double[] d && d.length >= length ? d : new double[length];
    source.data().asNioDouble().get(offset, target, 0, length);
    return target;
  }

  /**
   * Copies {@code length} elements of {@code source}, a Java array of the target's type, into dense {@code target}
   * from element {@code from} on.
   */
  static void writeFrom(INDArray target, long from, Object source, int length) {
    int offset = denseOffset(target, from, length);
    if (target.dataType() == DataType.FLOAT) {
      target.data().asNioFloat().put(offset, (float[]) source, 0, length);
    } else {
      target.data().asNioDouble().put(offset, (double[]) source, 0, length);
    }
  }

  /**
   * The position in the NIO view of element {@code from} of a row-major dense FLOAT or DOUBLE array (a view is fine;
   * ND4J's NIO view starts at its buffer's 0).
   */
  private static int denseOffset(INDArray array, long from, int length) {
    if (array.dataType() != DataType.FLOAT && array.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("bulk transfer supports FLOAT and DOUBLE arrays, got " + array.dataType());
    }
    long expectedStride = 1;
    for (int d = array.rank() - 1; d >= 0; d--) {
      if (array.size(d) != 1 && array.stride(d) != expectedStride) {
        throw new IllegalStateException("bulk transfer needs a dense row-major array, got "
            + array.shapeInfoToString());
      }
      expectedStride *= array.size(d);
    }
    if (from < 0 || length < 0 || from + length > array.length()) {
      throw new IllegalStateException("bulk transfer of elements [" + from + ", " + (from + length)
          + ") of an array of " + array.length());
    }
    return Math.toIntExact(array.offset() + from);
  }

  private static void checkBulk(INDArray array, int length) {
    if (array.isView() || array.offset() != 0 || length > array.length()) {
      throw new IllegalStateException("bulk transfer needs a whole contiguous array of at least " + length
          + " elements, got " + array.shapeInfoToString());
    }
  }
}
