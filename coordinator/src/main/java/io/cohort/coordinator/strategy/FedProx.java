package io.cohort.coordinator.strategy;

import java.util.List;
import java.util.Random;

/**
 * FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks"): FedAvg's sampling and weighted mean,
 * with each client's local loss extended by the proximal term {@code (mu/2)||w - w_global||^2}, which keeps local
 * models near the global one on skewed data. The term is the clients' work: the coordinator sends {@code mu} in
 * each round's training config ({@link #proximalMu()}) and the SDK's trainer adds {@code mu (w - w_global)} to every
 * gradient. Linear, so it combines with secure aggregation.
 */
public final class FedProx implements Strategy {
  private final FedAvg fedAvg;
  private final double mu;

  /**
   * @param mu the proximal coefficient (positive, finite)
   */
  public FedProx(double fraction, int minClients, double mu) {
    if (!(mu > 0) || !Double.isFinite(mu)) {
      throw new IllegalArgumentException("fedprox mu must be positive, got " + mu);
    }
    this.fedAvg = new FedAvg(fraction, minClients);
    this.mu = mu;
  }

  @Override
  public String name() {
    return "fedprox:" + mu;
  }

  @Override
  public double proximalMu() {
    return mu;
  }

  @Override
  public List<String> configureFit(int round, List<String> available, Random random) {
    return fedAvg.configureFit(round, available, random);
  }

  @Override
  public FitAggregation beginFit(int round, int parameterCount) {
    return fedAvg.beginFit(round, parameterCount);
  }

  @Override
  public boolean supportsSecureAggregation() {
    return true;
  }

  @Override
  public float[] applySecureAggregate(int round, float[] global, float[] meanDelta) {
    return fedAvg.applySecureAggregate(round, global, meanDelta);
  }
}
