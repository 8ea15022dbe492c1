package io.cohort.coordinator.strategy;

import java.util.Arrays;
import java.util.List;

/**
 * Byzantine-robust aggregation rules: the global model moves by a statistic of the clients' updates that a minority
 * of poisoned (scaled, sign-flipped) updates cannot drag far. Each needs every update in the clear, so none combines
 * with secure aggregation ({@link #supportsSecureAggregation()} is false, and the coordinator refuses the
 * combination at configuration). Sampling is FedAvg's. Updates count equally, whatever their example counts.
 *
 * <ul>
 *   <li>{@link #median}: coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning").
 *   <li>{@link #trimmedMean}: coordinate-wise mean after dropping the {@code beta} share of largest and of smallest
 *       values (Yin et al. 2018).
 *   <li>{@link #krum}: Krum and Multi-Krum (Blanchard et al. 2017): score each update by the sum of squared distances
 *       to its {@code n - f - 2} nearest neighbours and average the {@code m} best-scored (m = 1: Krum).
 * </ul>
 */
public final class RobustAggregation extends FedAvgSampling {
  private final String name;
  private final CollectedUpdates.Rule rule;

  private RobustAggregation(String name, double fraction, int minClients, CollectedUpdates.Rule rule) {
    super(fraction, minClients);
    this.name = name;
    this.rule = rule;
  }

  /** Coordinate-wise median. */
  public static RobustAggregation median(double fraction, int minClients) {
    return new RobustAggregation("median", fraction, minClients, RobustAggregation::coordinateMedian);
  }

  /**
   * Coordinate-wise trimmed mean.
   *
   * @param beta share of values dropped at each end, in [0, 0.5)
   */
  public static RobustAggregation trimmedMean(double fraction, int minClients, double beta) {
    if (!(beta >= 0 && beta < 0.5)) {
      throw new IllegalArgumentException("trimmed-mean beta must be in [0, 0.5), got " + beta);
    }
    return new RobustAggregation("trimmed-mean:" + beta, fraction, minClients, d -> trimmedMean(d, beta));
  }

  /**
   * Krum ({@code m = 1}) or Multi-Krum.
   *
   * @param f how many updates may be Byzantine; a round needs more than {@code 2f + 2} updates
   * @param m how many of the best-scored updates to average, 1..n-f
   */
  public static RobustAggregation krum(double fraction, int minClients, int f, int m) {
    if (f < 0 || m < 1) {
      throw new IllegalArgumentException("krum needs f >= 0 and m >= 1, got f=" + f + ", m=" + m);
    }
    return new RobustAggregation("krum:" + f + ":" + m, fraction, Math.max(minClients, 2 * f + 3),
        d -> multiKrum(d, f, m));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public FitAggregation beginFit(int round, int parameterCount) {
    return new CollectedUpdates(parameterCount, rule);
  }

  /** One statistic of a coordinate's values, given sorted ascending. */
  @FunctionalInterface
  private interface ColumnStatistic {
    float of(float[] sorted);
  }

  /** Applies {@code statistic} to each coordinate's values across the updates, sorted. */
  private static float[] perCoordinate(List<float[]> deltas, ColumnStatistic statistic) {
    int n = deltas.size();
    float[] out = new float[deltas.get(0).length];
    float[] column = new float[n];
    for (int j = 0; j < out.length; j++) {
      for (int i = 0; i < n; i++) {
        column[i] = deltas.get(i)[j];
      }
      Arrays.sort(column);
      out[j] = statistic.of(column);
    }
    return out;
  }

  static float[] coordinateMedian(List<float[]> deltas) {
    int n = deltas.size();
    return perCoordinate(deltas, c -> n % 2 == 1 ? c[n / 2] : (float) ((c[n / 2 - 1] + (double) c[n / 2]) / 2));
  }

  static float[] trimmedMean(List<float[]> deltas, double beta) {
    int n = deltas.size();
    int trim = (int) Math.floor(beta * n);
    if (n - 2 * trim < 1) {
      throw new IllegalStateException("trimming " + trim + " from each end of " + n + " updates leaves none");
    }
    return perCoordinate(deltas, c -> {
      double sum = 0;
      for (int i = trim; i < n - trim; i++) {
        sum += c[i];
      }
      return (float) (sum / (n - 2 * trim));
    });
  }

  static float[] multiKrum(List<float[]> deltas, int f, int m) {
    int n = deltas.size();
    int neighbours = n - f - 2;
    if (neighbours < 1) {
      throw new IllegalStateException("krum with f=" + f + " needs more than " + (2 * f + 2) + " updates, got " + n);
    }
    if (m > n - f) {
      throw new IllegalStateException("multi-krum averages at most n - f = " + (n - f) + " updates, asked for " + m);
    }
    double[][] distance = new double[n][n];
    for (int a = 0; a < n; a++) {
      for (int b = a + 1; b < n; b++) {
        double s = 0;
        float[] x = deltas.get(a);
        float[] y = deltas.get(b);
        for (int j = 0; j < x.length; j++) {
          double diff = x[j] - (double) y[j];
          s += diff * diff;
        }
        distance[a][b] = s;
        distance[b][a] = s;
      }
    }
    Integer[] order = new Integer[n];
    double[] score = new double[n];
    for (int a = 0; a < n; a++) {
      double[] others = new double[n - 1];
      for (int b = 0, k = 0; b < n; b++) {
        if (b != a) {
          others[k++] = distance[a][b];
        }
      }
      Arrays.sort(others);
      for (int k = 0; k < neighbours; k++) {
        score[a] += others[k];
      }
      order[a] = a;
    }
    Arrays.sort(order, (p, q) -> score[p] != score[q] ? Double.compare(score[p], score[q]) : Integer.compare(p, q));
    int d = deltas.get(0).length;
    double[] sum = new double[d];
    for (int k = 0; k < m; k++) {
      float[] chosen = deltas.get(order[k]);
      for (int j = 0; j < d; j++) {
        sum[j] += chosen[j];
      }
    }
    float[] out = new float[d];
    for (int j = 0; j < d; j++) {
      out[j] = (float) (sum[j] / m);
    }
    return out;
  }
}
