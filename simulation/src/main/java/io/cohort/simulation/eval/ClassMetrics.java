package io.cohort.simulation.eval;

/**
 * Metrics of one class, treating it as the positive class against all others.
 *
 * @param name class name
 * @param support number of examples whose true class this is
 * @param precision true positives over predicted positives; 0 when the class was never predicted
 * @param recall true positives over actual positives; 0 when the class never occurs
 * @param f1 harmonic mean of precision and recall; 0 when both are 0
 * @param aucRoc one-vs-rest area under the ROC curve from the predicted probabilities; {@code null} when no
 *     probabilities were given or the class has no positive or no negative example
 */
public record ClassMetrics(String name, int support, double precision, double recall, double f1, Double aucRoc) {}
