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

  private static void checkBulk(INDArray array, int length) {
    if (array.isView() || array.offset() != 0 || length > array.length()) {
      throw new IllegalStateException("bulk transfer needs a whole contiguous array of at least " + length
          + " elements, got " + array.shapeInfoToString());
    }
  }
}
