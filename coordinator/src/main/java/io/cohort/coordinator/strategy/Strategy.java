package io.cohort.coordinator.strategy;

import java.util.List;
import java.util.Random;

/**
 * A federated-learning algorithm as seen by the coordinator: which clients train, and how their results combine.
 * Implementations are pure and synchronous. The configure methods, {@link #beginFit} and {@link #aggregateEvaluate}
 * run on the coordinator's event loop and must be quick (no model-sized work: allocate in the first fold); {@link
 * FitAggregation#fold} and {@link FitAggregation#finish} run on worker threads.
 */
public interface Strategy {
  /** Short name for logs and summaries, e.g. {@code fedavg}. */
  String name();

  /**
   * Chooses the clients of a training round.
   *
   * @param round the round number (1-based)
   * @param available registered, live clients in a stable order
   * @param random the run's seeded random source
   * @return the clients to invite, a subset of {@code available}
   */
  List<String> configureFit(int round, List<String> available, Random random);

  /** Starts the streaming aggregate of a training round over a model of {@code parameterCount} parameters. */
  FitAggregation beginFit(int round, int parameterCount);

  /**
   * Whether the strategy can work from the cohort's securely aggregated mean alone, never seeing one client's update.
   * Linear rules (FedAvg) can; robust rules (median, Krum) need individual updates and cannot.
   */
  default boolean supportsSecureAggregation() {
    return false;
  }

  /**
   * The next global model from the example-weighted mean of the cohort's updates, as secure aggregation delivers it.
   * Runs on a worker thread. Only called when {@link #supportsSecureAggregation()} is true.
   *
   * @param global the current parameters; not modified
   * @param meanDelta the weighted mean of the surviving clients' updates
   */
  default float[] applySecureAggregate(int round, float[] global, float[] meanDelta) {
    throw new UnsupportedOperationException(name() + " does not support secure aggregation");
  }

  /**
   * The next global model from a training round's aggregate; runs on a worker thread, once per round. By default
   * {@link FitAggregation#finish}; a strategy with state across rounds (a server optimiser) updates it here.
   */
  default float[] finishFit(int round, float[] global, FitAggregation aggregation, List<ClientFailure> failures) {
    return aggregation.finish(global, failures);
  }

  /**
   * {@link #finishFit(int, float[], FitAggregation, List)} told how many clients stand behind the aggregate; the
   * coordinator calls this one. By default the participation is ignored.
   */
  default float[] finishFit(int round, float[] global, FitAggregation aggregation, List<ClientFailure> failures,
      Participation participation) {
    return finishFit(round, global, aggregation, failures);
  }

  /**
   * {@link #applySecureAggregate(int, float[], float[])} told how many clients stand behind the mean; the
   * coordinator calls this one. By default the participation is ignored.
   */
  default float[] applySecureAggregate(int round, float[] global, float[] meanDelta, Participation participation) {
    return applySecureAggregate(round, global, meanDelta);
  }

  /**
   * Whether clients and coordinator exchange control variates (SCAFFOLD): the model download then carries {@link
   * #controlVariate(int)} after the parameters, every client's task says so ({@code TrainConfig.scaffold}), and every
   * update (and every aggregate the strategy receives) is twice the model's length: the parameter update, then the
   * client's control-variate update.
   */
  default boolean controlVariates() {
    return false;
  }

  /**
   * The server's control variate sent to clients with the model, of the model's {@code parameterCount} (a copy).
   * Only called when {@link #controlVariates()}; after a round's {@code finishFit}, never concurrently with it.
   */
  default float[] controlVariate(int parameterCount) {
    throw new UnsupportedOperationException(name() + " keeps no control variate");
  }

  /**
   * The strategy's state across rounds, for checkpoints and the cluster's run state (empty: none). Called after a
   * round's {@link #finishFit}, never concurrently with it.
   */
  default byte[] state() {
    return new byte[0];
  }

  /**
   * Restores {@link #state()} from a checkpoint before the run resumes.
   *
   * @throws IllegalArgumentException if the bytes are not this strategy's state
   */
  default void restoreState(byte[] state) {
    if (state.length != 0) {
      throw new IllegalArgumentException(name() + " keeps no state across rounds, but the checkpoint carries "
          + state.length + " bytes of it; resume with the run's --strategy");
    }
  }

  /**
   * The proximal coefficient clients add to their local loss ({@code (mu/2)||w - w_global||^2}, FedProx); 0 for
   * none, the default.
   */
  default double proximalMu() {
    return 0;
  }

  /** Chooses the clients of a federated-evaluation round; by default the same rule as training. */
  default List<String> configureEvaluate(int round, List<String> available, Random random) {
    return configureFit(round, available, random);
  }

  /** Combines federated-evaluation reports: example-weighted means by default. */
  default EvaluationSummary aggregateEvaluate(
      int round, List<EvaluationReport> reports, List<ClientFailure> failures) {
    return EvaluationSummary.weighted(reports, failures.size());
  }
}
