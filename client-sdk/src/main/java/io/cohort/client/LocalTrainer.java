package io.cohort.client;

import io.cohort.protocol.model.ModelArchitecture;

/**
 * Trains and evaluates a model on local data. The SDK's default is {@link io.cohort.client.nd4j.Nd4jTrainer}; an app
 * may plug in its own (for another framework, or a differentially private optimiser).
 *
 * <p>An implementation need not be thread-safe: the SDK calls one trainer from one thread at a time.
 */
public interface LocalTrainer extends AutoCloseable {
  /**
   * Trains from {@code initial} parameters on {@code data} and returns the trained parameters.
   *
   * @param model the architecture that {@code initial} parameterises
   * @param initial flat parameters; not modified
   * @param data the local training examples (at least one)
   * @param plan epochs, batch size, optimiser and seed
   */
  FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan);

  /**
   * Trains as {@link #fit(ModelArchitecture, float[], LocalDataset, TrainingPlan)}, adding {@code gradientCorrection}
   * to the gradient of every step: SCAFFOLD's {@code c - c_i} (Karimireddy et al. 2020). The SDK computes the
   * client's control variate from the steps it expects, {@link TrainingPlan#localSteps(int)}: a trainer that supports
   * the correction must take exactly that many SGD steps. By default only a null correction is accepted.
   *
   * @param gradientCorrection a vector of the parameters' length added to every step's gradient, or null for none
   * @throws UnsupportedOperationException if this trainer cannot apply a correction
   */
  default FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan,
      float[] gradientCorrection) {
    if (gradientCorrection != null) {
      throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot add SCAFFOLD's gradient "
          + "correction to its steps; use the SDK's Nd4jTrainer, or implement LocalTrainer.fit with a correction");
    }
    return fit(model, initial, data, plan);
  }

  /** Loss and accuracy of {@code parameters} on {@code data}. */
  EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize);

  /** Releases native memory; the trainer is unusable afterwards. */
  @Override
  void close();
}
