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

  /** Loss and accuracy of {@code parameters} on {@code data}. */
  EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize);

  /** Releases native memory; the trainer is unusable afterwards. */
  @Override
  void close();
}
