package io.cohort.coordinator.strategy;

import java.util.List;

/**
 * The running aggregate of one training round. {@link #fold} may be called from several threads at once; {@link
 * #finish} is called once, after the last fold has returned. To be held by a coordinator cluster (where the running
 * sum must survive the node that drives the round) an implementation must also be {@link java.io.Serializable}: the
 * cluster folds updates into it on the member that owns it and copies it to a backup member.
 */
public interface FitAggregation {
  /** Folds one validated update into the running aggregate. */
  void fold(ClientUpdate update);

  /**
   * The new global parameters.
   *
   * @param global the parameters the round started from (not modified)
   * @param failures the sampled clients that did not contribute
   */
  float[] finish(float[] global, List<ClientFailure> failures);

  /** Updates folded so far. */
  int count();

  /** Sum of the folded updates' example counts. */
  long totalExamples();

  /** Example-weighted mean training loss of the folded updates (NaN when none). */
  double meanTrainLoss();
}
