package io.cohort.coordinator.strategy;

import java.util.List;
import java.util.Random;

/**
 * The base of the strategies that change how a round's updates combine but not who trains: FedAvg's sampling
 * ({@code max(minClients, ceil(fraction x live))} clients, seeded) and, unless overridden, FedAvg's streaming
 * example-weighted mean.
 */
abstract class FedAvgSampling implements Strategy {
  /** The FedAvg whose sampling (and by default whose aggregate) this strategy uses. */
  final FedAvg fedAvg;

  FedAvgSampling(double fraction, int minClients) {
    this.fedAvg = new FedAvg(fraction, minClients);
  }

  @Override
  public List<String> configureFit(int round, List<String> available, Random random) {
    return fedAvg.configureFit(round, available, random);
  }

  @Override
  public FitAggregation beginFit(int round, int parameterCount) {
    return fedAvg.beginFit(round, parameterCount);
  }
}
