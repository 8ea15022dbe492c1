package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Thin wrappers over the libnd4j custom ops the layers need, with their integer-argument conventions (checked against
 * nd4j 1.0.0-M2.1 by {@code Nd4jConvOpsTest}) written down in one place; im2col and col2im are {@link Im2Col}'s, on
 * the heap, because libnd4j's are several times slower. All take NCHW data and write into
 * outputs the caller passes, so results land in the step workspace or straight in gradient views.
 *
 * <ul>
 *   <li>maxpool2d / maxpool2d_bp: {@code [kH, kW, sH, sW, pH, pW, dH, dW, sameMode, extra, dataFormat]} with
 *       dataFormat 0 = NCHW; "extra" is unused by max pooling; VALID mode floors odd sizes as the architecture does.
 * </ul>
 */
final class ConvOps {
  private static final int VALID = 0;
  private static final int NCHW = 0;

  private ConvOps() {}

  /** Max-pool with a {@code size x size} window and stride {@code size}. */
  static void maxPool(INDArray input, int size, INDArray output) {
    Nd4j.exec(DynamicCustomOp.builder("maxpool2d")
        .addInputs(input)
        .addOutputs(output)
        .addIntegerArguments(poolArgs(size))
        .build());
  }

  /** Routes each pooled gradient to the position of its window's maximum (the first one on ties). */
  static void maxPoolBackward(INDArray input, INDArray outputGradient, int size, INDArray inputGradient) {
    Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp")
        .addInputs(input, outputGradient)
        .addOutputs(inputGradient)
        .addIntegerArguments(poolArgs(size))
        .build());
  }

  /**
   * Zeroes, in place, the gradient entries whose ReLU {@code activation} is not positive. The activation may be the
   * ReLU's input or its output: both are positive at the same places.
   */
  static void reluBackward(INDArray activation, INDArray gradient) {
    Nd4j.exec(DynamicCustomOp.builder("relu_bp")
        .addInputs(activation, gradient)
        .addOutputs(gradient)
        .addFloatingPointArguments(0.0)
        .build());
  }

  /**
   * A {@code [n, rows, cols]} view that repeats a contiguous c-order matrix {@code n} times with a batch stride of 0,
   * so a batched matmul can apply one weight matrix to every example without copying it {@code n} times.
   */
  static INDArray repeatAlongBatch(INDArray matrix, long n) {
    return Nd4j.create(matrix.data(), new long[] {n, matrix.size(0), matrix.size(1)},
        new long[] {0, matrix.size(1), 1}, matrix.offset(), 'c');
  }

  private static int[] poolArgs(int size) {
    return new int[] {size, size, size, size, 0, 0, 1, 1, VALID, 0, NCHW};
  }
}
