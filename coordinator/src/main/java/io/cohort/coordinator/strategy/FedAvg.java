package io.cohort.coordinator.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Federated averaging (McMahan et al. 2017): samples a fraction of the clients, and moves the global model by the
 * mean of the clients' updates weighted by their example counts: {@code w' = w + sum(n_k * d_k) / sum(n_k)}.
 *
 * <p>The weighted sum is accumulated in double precision. Each product {@code n_k * d_k} of a float update and an
 * example count below 2^29 is exact in a double, and the sum's rounding error is far below float resolution, so the
 * result rounded to float does not depend, in practice, on the order in which updates arrive; this is what makes a
 * seeded simulation repeat exactly while clients answer in any order.
 */
public final class FedAvg implements Strategy {
  private final double fraction;
  private final int minClients;

  /**
   * @param fraction share of available clients to sample each round, in (0, 1]
   * @param minClients fewest clients to sample (and to aggregate); at least 1
   */
  public FedAvg(double fraction, int minClients) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    if (minClients < 1) {
      throw new IllegalArgumentException("minClients must be at least 1, got " + minClients);
    }
    this.fraction = fraction;
    this.minClients = minClients;
  }

  @Override
  public String name() {
    return "fedavg";
  }

  @Override
  public List<String> configureFit(int round, List<String> available, Random random) {
    int wanted = Math.max(minClients, (int) Math.ceil(fraction * available.size()));
    return sample(available, Math.min(wanted, available.size()), random);
  }

  /** A uniform sample without replacement of {@code k} of {@code items}, in sampled order (partial Fisher-Yates). */
  static List<String> sample(List<String> items, int k, Random random) {
    List<String> pool = new ArrayList<>(items);
    for (int i = 0; i < k; i++) {
      int j = i + random.nextInt(pool.size() - i);
      String tmp = pool.get(i);
      pool.set(i, pool.get(j));
      pool.set(j, tmp);
    }
    return List.copyOf(pool.subList(0, k));
  }

  @Override
  public boolean supportsSecureAggregation() {
    return true;
  }

  /** The global model moved by the securely aggregated mean (a server learning rate of 1, as in plain FedAvg). */
  @Override
  public float[] applySecureAggregate(int round, float[] global, float[] meanDelta) {
    if (meanDelta.length != global.length) {
      throw new IllegalArgumentException("mean has " + meanDelta.length + " elements, model " + global.length);
    }
    float[] next = new float[global.length];
    for (int i = 0; i < next.length; i++) {
      next[i] = global[i] + meanDelta[i];
    }
    return next;
  }

  @Override
  public FitAggregation beginFit(int round, int parameterCount) {
    return new WeightedMean(parameterCount);
  }

  /** Streaming example-weighted mean of deltas. */
  static final class WeightedMean implements FitAggregation, java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final int parameterCount;
    private double[] sum; // allocated by the first fold, on a worker thread, not by beginFit on the event loop
    private long examples;
    private double lossSum;
    private int count;

    WeightedMean(int parameterCount) {
      this.parameterCount = parameterCount;
    }

    @Override
    public synchronized void fold(ClientUpdate update) {
      float[] delta = update.delta();
      if (delta.length != parameterCount) {
        throw new IllegalArgumentException("update has " + delta.length + " parameters, model has "
            + parameterCount);
      }
      if (sum == null) {
        sum = new double[parameterCount];
      }
      if (update.numExamples() <= 0) {
        throw new IllegalArgumentException("numExamples must be positive, got " + update.numExamples());
      }
      double weight = update.numExamples();
      for (int i = 0; i < delta.length; i++) {
        sum[i] += weight * delta[i];
      }
      examples += update.numExamples();
      lossSum += weight * update.trainLoss();
      count++;
    }

    @Override
    public synchronized float[] finish(float[] global, List<ClientFailure> failures) {
      if (count == 0) {
        throw new IllegalStateException("no update was folded; a round without results cannot be aggregated");
      }
      float[] next = new float[global.length];
      double scale = 1.0 / examples;
      for (int i = 0; i < next.length; i++) {
        next[i] = (float) (global[i] + sum[i] * scale);
      }
      return next;
    }

    @Override
    public synchronized int count() {
      return count;
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
}
