package io.cohort.coordinator.strategy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A round's aggregate for rules that need every update at once (median, trimmed mean, Krum): it keeps a copy of
 * each folded delta, so memory grows with the cohort (N x model size), and {@link #finish} hands them to the rule.
 * Thread-safe; {@link Serializable}, so a coordinator cluster can hold it.
 */
final class CollectedUpdates implements FitAggregation, Serializable {
  private static final long serialVersionUID = 1L;

  /** A rule over the collected deltas (rows) giving the aggregate delta. */
  @FunctionalInterface
  interface Rule extends Serializable {
    float[] combine(List<float[]> deltas);
  }

  private final int parameterCount;
  private final Rule rule;
  private final ArrayList<float[]> deltas = new ArrayList<>();
  private long examples;
  private double lossSum;

  CollectedUpdates(int parameterCount, Rule rule) {
    this.parameterCount = parameterCount;
    this.rule = rule;
  }

  @Override
  public synchronized void fold(ClientUpdate update) {
    if (update.delta().length != parameterCount) {
      throw new IllegalArgumentException("update has " + update.delta().length + " parameters, model has "
          + parameterCount);
    }
    if (update.numExamples() <= 0) {
      throw new IllegalArgumentException("numExamples must be positive, got " + update.numExamples());
    }
    deltas.add(update.delta().clone()); // the caller owns its array and reuses it
    examples += update.numExamples();
    lossSum += update.numExamples() * update.trainLoss();
  }

  @Override
  public synchronized float[] finish(float[] global, List<ClientFailure> failures) {
    if (deltas.isEmpty()) {
      throw new IllegalStateException("no update was folded; a round without results cannot be aggregated");
    }
    float[] delta = rule.combine(List.copyOf(deltas));
    float[] next = new float[global.length];
    for (int i = 0; i < next.length; i++) {
      next[i] = global[i] + delta[i];
    }
    return next;
  }

  @Override
  public synchronized int count() {
    return deltas.size();
  }

  @Override
  public synchronized long totalExamples() {
    return examples;
  }

  @Override
  public synchronized double meanTrainLoss() {
    return examples == 0 ? Double.NaN : lossSum / examples;
  }
}
