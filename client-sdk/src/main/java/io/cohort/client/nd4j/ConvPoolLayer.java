package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One CNN block: a "valid" convolution with stride 1 plus bias, ReLU, and a non-overlapping max-pool. Inputs and
 * outputs are NCHW; weights are {@code [oC, iC, k, k]} views of the flat parameter vector.
 *
 * <p>The convolution is im2col ({@link Im2Col}, on the Java heap) followed by one batched matrix product, rather
 * than libnd4j's {@code conv2d} / {@code conv2d_bp}: in nd4j 1.0.0-M2.1 {@code conv2d_bp} took 27-36 ms per batch of
 * 64 for the default CNN's layers on one thread (it gathers badly strided column tensors), against about 3-8 ms for
 * this formulation, which also reuses the forward pass's columns for the weight gradient. With the columns {@code C = im2col(x)} viewed as
 * {@code [n, iC*k*k, oH*oW]} and {@code W} as {@code [oC, iC*k*k]}:
 * {@code y[i] = W C[i] + b}, {@code dW = sum_i dY[i] C[i]^T}, {@code db = sum dY} and
 * {@code dx = col2im(W^T dY[i])}.
 */
final class ConvPoolLayer implements Layer {
  private final INDArray weightMatrix;
  private final INDArray bias;
  private final INDArray weightGradientMatrix;
  private final INDArray biasGradient;
  private final int kernel;
  private final int pool;
  private final Im2Col im2col;

  // Step-scoped: the block's input, its im2col columns and its post-ReLU activation (what max-pool saw).
  private INDArray input;
  private INDArray columns;
  private INDArray activation;

  ConvPoolLayer(INDArray weights, INDArray bias, INDArray weightGradient, INDArray biasGradient, int pool) {
    this.bias = bias;
    this.biasGradient = biasGradient;
    this.kernel = (int) weights.size(2);
    this.pool = pool;
    this.im2col = new Im2Col(kernel);
    long fanIn = weights.length() / weights.size(0);
    this.weightMatrix = weights.reshape('c', weights.size(0), fanIn);
    this.weightGradientMatrix = weightGradient.reshape('c', weights.size(0), fanIn);
  }

  @Override
  public INDArray forward(INDArray x) {
    long n = x.size(0);
    long inChannels = x.size(1);
    long outH = x.size(2) - kernel + 1;
    long outW = x.size(3) - kernel + 1;
    INDArray cols = Nd4j.createUninitialized(x.dataType(), n, inChannels, kernel, kernel, outH, outW);
    im2col.unfold(x, cols);
    columns = cols.reshape('c', n, weightMatrix.size(1), outH * outW);

    INDArray conv = Nd4j.createUninitialized(x.dataType(), n, weightMatrix.size(0), outH * outW);
    Nd4j.matmul(ConvOps.repeatAlongBatch(weightMatrix, n), columns, conv, false, false, false);
    BiasAdd.addInPlace(conv, bias, 1);
    Transforms.relu(conv, false);
    activation = conv.reshape('c', n, weightMatrix.size(0), outH, outW);

    INDArray pooled = Nd4j.createUninitialized(x.dataType(), n, weightMatrix.size(0), outH / pool, outW / pool);
    ConvOps.maxPool(activation, pool, pooled);
    input = x;
    return pooled;
  }

  @Override
  public INDArray backward(INDArray outputGradient, boolean needInputGradient) {
    long n = activation.size(0);
    INDArray convGradient4d = Nd4j.createUninitialized(activation.dataType(), activation.shape());
    ConvOps.maxPoolBackward(activation, outputGradient, pool, convGradient4d);
    ConvOps.reluBackward(activation, convGradient4d);
    INDArray convGradient = convGradient4d.reshape('c', n, weightMatrix.size(0), columns.size(2));

    INDArray perExample = Nd4j.createUninitialized(activation.dataType(), n, weightMatrix.size(0), weightMatrix.size(1));
    Nd4j.matmul(convGradient, columns, perExample, false, true, false);
    perExample.sum(weightGradientMatrix, 0);
    convGradient.sum(biasGradient, 0, 2);
    if (!needInputGradient) {
      return null;
    }
    INDArray columnGradient = Nd4j.createUninitialized(activation.dataType(), columns.shape());
    Nd4j.matmul(ConvOps.repeatAlongBatch(weightMatrix, n), convGradient, columnGradient, true, false, false);
    INDArray inputGradient = Nd4j.createUninitialized(input.dataType(), input.shape());
    im2col.fold(columnGradient, inputGradient);
    return inputGradient;
  }
}
