package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Thin wrappers over the libnd4j custom ops the CNN needs, with their integer-argument conventions (checked against
 * nd4j 1.0.0-M2.1 by {@code Nd4jConvOpsTest}) written down in one place.
 *
 * <p>conv2d / conv2d_bp take {@code [kH, kW, sH, sW, pH, pW, dH, dW, paddingMode, dataFormat, weightsFormat]} with
 * paddingMode 0 = VALID, dataFormat 0 = NCHW (1 = NHWC) and weightsFormat 1 = {@code [oC, iC, kH, kW]}, which is our
 * canonical layout, so the weight views of the flat parameter vector go in without a permute or copy. maxpool2d /
 * maxpool2d_bp take {@code [kH, kW, sH, sW, pH, pW, dH, dW, paddingMode, extra, dataFormat]} (extra unused by max
 * pooling). All outputs are passed in, so they land in the caller's workspace or directly in gradient views.
 */
final class ConvOps {
  private static final int VALID = 0;
  private static final int NCHW = 0;
  private static final int WEIGHTS_OIHW = 1;

  private ConvOps() {}

  /** {@code output = conv(input, weights) + bias}, stride 1, no padding; input NCHW, weights [oC, iC, k, k]. */
  static void conv2d(INDArray input, INDArray weights, INDArray bias, INDArray output) {
    Nd4j.exec(DynamicCustomOp.builder("conv2d")
        .addInputs(input, weights, bias)
        .addOutputs(output)
        .addIntegerArguments(convArgs(weights))
        .build());
  }

  /** Writes the input, weight and bias gradients of {@link #conv2d} given the output gradient. */
  static void conv2dBackward(INDArray input, INDArray weights, INDArray bias, INDArray outputGradient,
      INDArray inputGradient, INDArray weightGradient, INDArray biasGradient) {
    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
        .addInputs(input, weights, bias, outputGradient)
        .addOutputs(inputGradient, weightGradient, biasGradient)
        .addIntegerArguments(convArgs(weights))
        .build());
  }

  /** Max-pool with a {@code size x size} window and stride {@code size}, VALID (floors odd sizes), NCHW. */
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

  private static int[] convArgs(INDArray weights) {
    int kH = (int) weights.size(2);
    int kW = (int) weights.size(3);
    return new int[] {kH, kW, 1, 1, 0, 0, 1, 1, VALID, NCHW, WEIGHTS_OIHW};
  }

  private static int[] poolArgs(int size) {
    return new int[] {size, size, size, size, 0, 0, 1, 1, VALID, 0, NCHW};
  }
}
