package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** A fully connected layer {@code y = x W + b} with weights {@code [in, out]}, optionally followed by ReLU. */
final class DenseLayer implements Layer {
  private final INDArray weights;
  private final INDArray bias;
  private final INDArray weightGradient;
  private final INDArray biasGradient;
  private final boolean relu;

  // The last forward's input and output; they live in the step workspace and are only read within that step.
  private INDArray input;
  private INDArray output;

  /**
   * @param weights view {@code [in, out]} of the flat parameters
   * @param bias view {@code [out]}
   * @param weightGradient view {@code [in, out]} of the flat gradients
   * @param biasGradient view {@code [out]}
   * @param relu whether a ReLU follows (hidden layers) or not (the logits layer)
   */
  DenseLayer(INDArray weights, INDArray bias, INDArray weightGradient, INDArray biasGradient, boolean relu) {
    this.weights = weights;
    this.bias = bias;
    this.weightGradient = weightGradient;
    this.biasGradient = biasGradient;
    this.relu = relu;
  }

  @Override
  public INDArray forward(INDArray x) {
    INDArray z = Nd4j.createUninitialized(weights.dataType(), x.size(0), weights.size(1));
    Nd4j.gemm(x, weights, z, false, false, 1.0, 0.0);
    BiasAdd.addInPlace(z, bias, 1); // not addiRowVector, which could crash the JVM: see BiasAdd
    if (relu) {
      Transforms.relu(z, false);
    }
    input = x;
    output = z;
    return z;
  }

  @Override
  public INDArray backward(INDArray outputGradient, boolean needInputGradient) {
    if (relu) {
      ConvOps.reluBackward(output, outputGradient);
    }
    // dW = x^T dZ and db = sum over the batch of dZ, written straight into the flat gradient vector.
    Nd4j.gemm(input, outputGradient, weightGradient, true, false, 1.0, 0.0);
    outputGradient.sum(biasGradient, 0);
    if (!needInputGradient) {
      return null;
    }
    INDArray inputGradient = Nd4j.createUninitialized(weights.dataType(), outputGradient.size(0), weights.size(0));
    Nd4j.gemm(outputGradient, weights, inputGradient, false, true, 1.0, 0.0);
    return inputGradient;
  }
}
