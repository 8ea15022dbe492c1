package io.cohort.simulation;

import io.cohort.client.LocalDataset;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.simulation.eval.EvaluationResult;
import io.cohort.simulation.eval.TribuoEvaluation;
import java.util.List;

/**
 * Evaluates a global model on the central test set: ND4J predicts, Tribuo's evaluation classes score (accuracy,
 * macro-F1, confusion matrix), and the mean cross-entropy is computed from the predicted probabilities.
 */
final class CentralEvaluator {
  private static final int BATCH = 1000;

  private final PooledTrainer trainers;
  private final ModelArchitecture model;
  private final LocalDataset test;
  private final int[] truth;
  private final TribuoEvaluation tribuo;

  CentralEvaluator(PooledTrainer trainers, ModelArchitecture model, LocalDataset test, List<String> classNames) {
    this.trainers = trainers;
    this.model = model;
    this.test = test;
    this.truth = new int[test.size()];
    for (int i = 0; i < truth.length; i++) {
      truth[i] = test.label(i);
    }
    this.tribuo = new TribuoEvaluation(classNames);
  }

  /** Metrics of {@code parameters} on the test set. */
  CentralMetrics evaluate(float[] parameters) {
    float[] probabilities = trainers.withTrainer(t -> t.predictProbabilities(model, parameters, test, BATCH));
    int classes = model.numClasses();
    int[] predicted = new int[truth.length];
    double loss = 0;
    for (int i = 0; i < truth.length; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
          best = c;
        }
      }
      predicted[i] = best;
      loss -= Math.log(Math.max(probabilities[i * classes + truth[i]], 1e-12));
    }
    return new CentralMetrics(tribuo.evaluate(truth, predicted), loss / truth.length);
  }

  /**
   * Central metrics of one model.
   *
   * @param evaluation Tribuo's scores
   * @param loss mean softmax cross-entropy on the test set
   */
  record CentralMetrics(EvaluationResult evaluation, double loss) {}
}
