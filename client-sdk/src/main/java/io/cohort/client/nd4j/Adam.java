package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (Kingma and Ba 2015) with the textbook bias correction:
 * {@code p -= lr * mHat / (sqrt(vHat) + eps)}, {@code mHat = m / (1 - beta1^t)}, {@code vHat = v / (1 - beta2^t)}.
 *
 * <p>libnd4j's fused {@code adam_updater} folds the correction into the step size and so applies epsilon to the
 * uncorrected {@code sqrt(v)}; the few extra element-wise passes here cost little next to the matrix products.
 */
final class Adam implements Optimizer {
  static final double BETA1 = 0.9;
  static final double BETA2 = 0.999;
  static final double EPSILON = 1e-8;

  private final double learningRate;
  private final INDArray firstMoment;
  private final INDArray secondMoment;
  private int t;

  /**
   * @param firstMoment zeroed state array of the parameters' length
   * @param secondMoment zeroed state array of the parameters' length
   */
  Adam(double learningRate, INDArray firstMoment, INDArray secondMoment) {
    this.learningRate = learningRate;
    this.firstMoment = firstMoment;
    this.secondMoment = secondMoment;
  }

  @Override
  public void step(INDArray parameters, INDArray gradients) {
    t++;
    firstMoment.muli(BETA1).addi(gradients.mul(1 - BETA1));
    secondMoment.muli(BETA2).addi(gradients.mul(gradients).muli(1 - BETA2));
    double correction1 = 1 - Math.pow(BETA1, t);
    double correction2 = 1 - Math.pow(BETA2, t);
    INDArray denominator = Transforms.sqrt(secondMoment, true).divi(Math.sqrt(correction2)).addi(EPSILON);
    parameters.subi(firstMoment.div(denominator).muli(learningRate / correction1));
  }
}
