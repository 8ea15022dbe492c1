package io.cohort.coordinator.strategy;

import java.util.List;

/**
 * Aggregated federated-evaluation metrics of a round.
 *
 * @param clients clients that reported
 * @param failed sampled clients that did not report
 * @param numExamples examples evaluated in all
 * @param loss example-weighted mean loss (NaN when nobody reported)
 * @param accuracy example-weighted mean accuracy (NaN when nobody reported)
 */
public record EvaluationSummary(int clients, int failed, long numExamples, double loss, double accuracy) {
  /** Example-weighted means of {@code reports}. */
  public static EvaluationSummary weighted(List<EvaluationReport> reports, int failed) {
    long n = 0;
    double loss = 0;
    double accuracy = 0;
    for (EvaluationReport r : reports) {
      n += r.numExamples();
      loss += r.loss() * r.numExamples();
      accuracy += r.accuracy() * r.numExamples();
    }
    return n == 0
        ? new EvaluationSummary(reports.size(), failed, 0, Double.NaN, Double.NaN)
        : new EvaluationSummary(reports.size(), failed, n, loss / n, accuracy / n);
  }
}
