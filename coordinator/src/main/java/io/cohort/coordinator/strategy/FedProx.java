package io.cohort.coordinator.strategy;

/**
 * FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks"): FedAvg's sampling and weighted mean,
 * with each client's local loss extended by the proximal term {@code (mu/2)||w - w_global||^2}, which keeps local
 * models near the global one on skewed data. The term is the clients' work: the coordinator sends {@code mu} in
 * each round's training config ({@link #proximalMu()}) and the SDK's trainer adds {@code mu (w - w_global)} to every
 * gradient. Linear, so it combines with secure aggregation.
 */
public final class FedProx extends FedAvgSampling {
  private final double mu;

  /**
   * @param mu the proximal coefficient (positive, finite)
   */
  public FedProx(double fraction, int minClients, double mu) {
    super(fraction, minClients);
    if (!(mu > 0) || !Double.isFinite(mu)) {
      throw new IllegalArgumentException("fedprox mu must be positive, got " + mu);
    }
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
  public boolean supportsSecureAggregation() {
    return true;
  }

  @Override
  public float[] applySecureAggregate(int round, float[] global, float[] meanDelta) {
    return fedAvg.applySecureAggregate(round, global, meanDelta);
  }
}
