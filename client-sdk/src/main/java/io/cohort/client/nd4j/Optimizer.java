package io.cohort.client.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An update rule over the flat parameter and gradient vectors. Instances are made per {@code fit} call, so their
 * state (step count, moment estimates) always starts fresh; the state's native arrays are borrowed, zeroed, from the
 * {@link Network} so they are allocated once per architecture rather than once per round.
 */
interface Optimizer {
  /** Applies one update to {@code parameters} in place from {@code gradients}. Called within a step workspace. */
  void step(INDArray parameters, INDArray gradients);
}
