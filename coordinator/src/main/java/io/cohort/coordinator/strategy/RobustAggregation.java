package io.cohort.coordinator.strategy;

import java.util.ArrayList;
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
 *   <li>{@link #bulyan}: Bulyan (El Mhamdi, Guerraoui, Rouault 2018, "The Hidden Vulnerability of Distributed
 *       Learning in Byzantium"): Krum picks {@code theta = n - 2f} updates one at a time, each from those not yet
 *       picked; then, per coordinate, the mean of the {@code beta = theta - 2f} picked values closest to their
 *       median. A round needs {@code n >= 4f + 3} updates. When fewer than {@code f + 3} candidates are left, Krum's
 *       score sums the distance to the nearest one ({@code n - f - 2} would be less than 1).
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

  /**
   * Bulyan.
   *
   * @param f how many updates may be Byzantine; a round needs at least {@code 4f + 3} updates (fewer fails it)
   */
  public static RobustAggregation bulyan(double fraction, int minClients, int f) {
    if (f < 0) {
      throw new IllegalArgumentException("bulyan needs f >= 0, got f=" + f);
    }
    return new RobustAggregation("bulyan:" + f, fraction, Math.max(minClients, 4 * f + 3), d -> bulyan(d, f));
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
    if (n - f - 2 < 1) {
      throw new IllegalStateException("krum with f=" + f + " needs more than " + (2 * f + 2) + " updates, got " + n);
    }
    if (m > n - f) {
      throw new IllegalStateException("multi-krum averages at most n - f = " + (n - f) + " updates, asked for " + m);
    }
    List<Integer> all = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      all.add(a);
    }
    Integer[] order = krumOrder(squaredDistances(deltas), all, n - f - 2);
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

  /**
   * Bulyan: {@code theta = n - 2f} updates chosen by Krum one at a time (each pick leaves the pool, the next is
   * Krum's choice among the rest), then per coordinate the mean of the {@code beta = theta - 2f} chosen values
   * closest to their median. Needs {@code n >= 4f + 3}.
   */
  static float[] bulyan(List<float[]> deltas, int f) {
    int n = deltas.size();
    if (n < 4 * f + 3) {
      throw new IllegalStateException("bulyan with f=" + f + " needs at least 4f + 3 = " + (4 * f + 3)
          + " updates, got " + n + "; sample more clients or lower f");
    }
    int theta = n - 2 * f;
    int beta = theta - 2 * f;
    double[][] distance = squaredDistances(deltas);
    List<Integer> pool = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      pool.add(a);
    }
    List<float[]> selected = new ArrayList<>(theta);
    while (selected.size() < theta) {
      // Krum over the pool; its last picks have fewer than f + 3 candidates, so at least one neighbour is scored.
      int best = krumOrder(distance, pool, Math.max(1, pool.size() - f - 2))[0];
      selected.add(deltas.get(best));
      pool.remove(Integer.valueOf(best));
    }
    return perCoordinate(selected, c -> closestToMedianMean(c, beta));
  }

  /** The mean of the {@code beta} values of {@code sorted} closest to its median (ties keep the smaller value). */
  private static float closestToMedianMean(float[] sorted, int beta) {
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + (double) sorted[n / 2]) / 2;
    int lo = 0;
    int hi = n - 1; // the beta closest values of a sorted column form a window: shrink it from the farther end
    while (hi - lo + 1 > beta) {
      if (median - sorted[lo] > sorted[hi] - median) {
        lo++;
      } else {
        hi--;
      }
    }
    double sum = 0;
    for (int i = lo; i <= hi; i++) {
      sum += sorted[i];
    }
    return (float) (sum / beta);
  }

  /** Squared Euclidean distances between every pair of updates. */
  private static double[][] squaredDistances(List<float[]> deltas) {
    int n = deltas.size();
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
    return distance;
  }

  /**
   * The updates of {@code pool} ordered by Krum score, best first: the sum of squared distances to the {@code
   * neighbours} nearest others in the pool; ties go to the lower index.
   */
  private static Integer[] krumOrder(double[][] distance, List<Integer> pool, int neighbours) {
    int n = distance.length;
    double[] score = new double[n];
    for (int a : pool) {
      double[] others = new double[pool.size() - 1];
      int k = 0;
      for (int b : pool) {
        if (b != a) {
          others[k++] = distance[a][b];
        }
      }
      Arrays.sort(others);
      for (k = 0; k < Math.min(neighbours, others.length); k++) {
        score[a] += others[k];
      }
    }
    Integer[] order = pool.toArray(new Integer[0]);
    Arrays.sort(order, (p, q) -> score[p] != score[q] ? Double.compare(score[p], score[q]) : Integer.compare(p, q));
    return order;
  }
}
