package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Stochastic gradient descent with heavy-ball momentum: {@code v = m v + g; p -= lr v}. */
final class SgdMomentum implements Optimizer {
  private final double learningRate;
  private final double momentum;
  private final INDArray velocity;

  /**
   * @param velocity zeroed state array of the parameters' length; unused (may be null) when momentum is 0
   */
  SgdMomentum(double learningRate, double momentum, INDArray velocity) {
    this.learningRate = learningRate;
    this.momentum = momentum;
    this.velocity = velocity;
  }

  @Override
  public void step(INDArray parameters, INDArray gradients) {
    INDArray direction = gradients;
    if (momentum != 0) {
      velocity.muli(momentum).addi(gradients);
      direction = velocity;
    }
    parameters.subi(direction.mul(learningRate));
  }
}
