package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One differentiable stage of a {@link Network}. Parameters and their gradients are views into the network's flat
 * vectors, so a layer owns no parameter memory of its own.
 *
 * <p>A layer remembers what its backward pass needs from the last {@link #forward}; those arrays live in the
 * network's per-step workspace, so {@link #backward} must be called within the same step (workspace scope).
 */
interface Layer {
  /** Computes the layer's output for a batch (first dimension) of inputs. */
  INDArray forward(INDArray input);

  /**
   * Back-propagates the gradient of the loss with respect to this layer's output: writes the parameter gradients
   * into the gradient views and returns the gradient with respect to the input.
   *
   * @param outputGradient gradient w.r.t. the last forward output; may be overwritten
   * @param needInputGradient false for the first layer, whose input gradient nobody reads (saves a matmul)
   * @return the input gradient, or null when not needed and cheaper not to compute
   */
  INDArray backward(INDArray outputGradient, boolean needInputGradient);
}
