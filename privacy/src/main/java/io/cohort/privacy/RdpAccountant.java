package io.cohort.privacy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rényi-DP accountant for the Poisson-subsampled Gaussian mechanism (Mironov, Talwar and Zhang 2019), matching
 * Opacus's {@code RDPAccountant}: the same default orders, the same RDP computation and the same RDP to (epsilon,
 * delta) conversion, agreeing with Opacus to 1e-6 relative or better (see the reference tests).
 *
 * <p>In DP-FedAvg (McMahan et al. 2018) one round is one step: each client is sampled with probability {@code
 * sampleRate} (Poisson sampling, so the number of clients per round is random), its update is clipped to L2 norm C,
 * and Gaussian noise of standard deviation {@code noiseMultiplier * C} is added to the sum. Steps with different
 * parameters compose by adding their RDP at each order. Consecutive steps with equal parameters are merged into one
 * segment, as Opacus merges them, so a run of a million rounds costs one segment.
 *
 * <p><b>Conversion.</b> epsilon = min over orders alpha of rdp(alpha) - (log delta + log alpha) / (alpha - 1) +
 * log((alpha - 1) / alpha): Balle et al. 2020, "Hypothesis testing interpretations and Rényi differential privacy",
 * Theorem 21, as in Opacus's {@code get_privacy_spent}. It is tighter than the classic rdp + log(1/delta)/(alpha - 1)
 * (Mironov 2017, Proposition 3). One deliberate difference: where the RDP is zero at every order (no step taken, or
 * only steps with sample rate 0) epsilon is 0, as in Google's dp_accounting, where Opacus would report the slack of
 * the conversion (or fail on an empty history).
 *
 * <p><b>Security guarantees.</b> The epsilon is a guarantee about client-level (add or remove one client) privacy of
 * everything the noised sums reveal, <b>only if</b>: clients really are Poisson-sampled with the stated rate (a fixed
 * cohort size or a coordinator that picks clients is not covered); every update is clipped to the clip norm the noise
 * was scaled to; the noise really has the stated standard deviation in the released sum (see {@link GaussianNoise} for
 * distributed noise and dropouts); and every release is accounted, including the adaptive-clipping count
 * ({@link AdaptiveClipping#updateNoiseMultiplier}). The accountant checks none of this; it only does the arithmetic.
 * Floating-point noise sampling is not covered either (see {@link GaussianNoise}).
 *
 * <p>Thread-safe: every method holds the accountant's lock (each call is short).
 */
public final class RdpAccountant {
  private static final double[] DEFAULT_ORDERS = buildDefaultOrders();
  private static final int RDP_CACHE_SIZE = 32;

  private final double[] orders;
  private final List<Segment> segments = new ArrayList<>();
  private final Map<List<Double>, double[]> rdpCache = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<List<Double>, double[]> eldest) {
      return size() > RDP_CACHE_SIZE;
    }
  };

  /** Consecutive steps with one noise multiplier and sample rate. */
  /**
   * A run of {@code steps} consecutive steps with the same noise multiplier and sample rate; the accountant's history
   * is a list of these, enough to rebuild it exactly (checkpoints store it).
   */
  public record Segment(double noiseMultiplier, double sampleRate, long steps) {}

  /** The smallest epsilon over the orders and the order that gives it. */
  public record OptimalOrder(double epsilon, double order) {}

  /** An accountant over Opacus's default orders: 1.1, 1.2, ..., 10.9 and 12, 13, ..., 63. */
  public RdpAccountant() {
    this.orders = DEFAULT_ORDERS;
  }

  /**
   * An accountant over the given RDP orders.
   *
   * @param orders each finite and in (1, 10000]; an optimum at the first or last order means the range is too narrow
   */
  public RdpAccountant(double[] orders) {
    if (orders == null || orders.length == 0) {
      throw new IllegalArgumentException("orders must not be empty");
    }
    for (double a : orders) {
      if (!(a > 1 && a <= 10_000)) {
        throw new IllegalArgumentException("orders must each be in (1, 10000], got " + a);
      }
    }
    this.orders = orders.clone();
  }

  /** Opacus's {@code DEFAULT_ALPHAS}: [1 + x / 10 for x in 1..99] + [12..63], 151 orders. */
  public static double[] defaultOrders() {
    return DEFAULT_ORDERS.clone();
  }

  /** The orders this accountant tracks. */
  public double[] orders() {
    return orders.clone();
  }

  /**
   * Records {@code steps} more rounds of the mechanism.
   *
   * @param noiseMultiplier z >= 0: the noise standard deviation over the clip norm (0: no privacy, epsilon infinite)
   * @param sampleRate q in [0, 1]: the probability that a client takes part in a round
   * @param steps rounds, >= 0
   */
  public synchronized void step(double noiseMultiplier, double sampleRate, int steps) {
    checkStep(noiseMultiplier, sampleRate, steps);
    appendMerging(segments, noiseMultiplier + 0.0, sampleRate + 0.0, steps); // + 0.0: no -0.0 keys
  }

  /** Total rounds recorded. */
  /** The steps taken so far, in order, consecutive equal (z, q) steps merged. */
  public synchronized List<Segment> history() {
    return List.copyOf(segments);
  }

  /** Replays {@code history} (from {@link #history()}) onto this accountant, e.g. when resuming from a checkpoint. */
  public synchronized void replay(List<Segment> history) {
    for (Segment s : history) {
      if (s.steps() < 1 || s.steps() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("segment steps must be in 1.." + Integer.MAX_VALUE + ", got " + s.steps());
      }
      checkStep(s.noiseMultiplier(), s.sampleRate(), (int) s.steps());
      appendMerging(segments, s.noiseMultiplier(), s.sampleRate(), (int) s.steps());
    }
  }

  public synchronized long totalSteps() {
    return segments.stream().mapToLong(Segment::steps).sum();
  }

  /** The accumulated RDP at each of {@link #orders()} (may hold {@code +inf}). */
  public synchronized double[] rdp() {
    return totalRdp(segments);
  }

  /**
   * The epsilon spent so far for target {@code delta}.
   *
   * @param delta in (0, 1); usually well below 1 / (number of clients)
   */
  public double epsilon(double delta) {
    return epsilonWithOrder(delta).epsilon();
  }

  /** The epsilon spent so far for target {@code delta} and the order that attains it. */
  public synchronized OptimalOrder epsilonWithOrder(double delta) {
    checkDelta(delta);
    return epsilonOf(segments, delta);
  }

  /**
   * The epsilon that would be spent after {@code moreSteps} further rounds, without recording them: to stop a run
   * before it exceeds its budget, check {@code epsilonAfter(z, q, 1, delta) <= budget} before each round.
   */
  public synchronized double epsilonAfter(double noiseMultiplier, double sampleRate, int moreSteps, double delta) {
    checkStep(noiseMultiplier, sampleRate, moreSteps);
    checkDelta(delta);
    List<Segment> hypothetical = new ArrayList<>(segments);
    appendMerging(hypothetical, noiseMultiplier + 0.0, sampleRate + 0.0, moreSteps);
    return epsilonOf(hypothetical, delta).epsilon();
  }

  /** Opacus's get_privacy_spent on raw values; for the published conversion vectors. */
  static OptimalOrder epsilonFromRdp(double[] orders, double[] rdp, double delta) {
    double[] r = SampledGaussianRdp.epsilon(orders, rdp, delta);
    return new OptimalOrder(r[0], r[1]);
  }

  private OptimalOrder epsilonOf(List<Segment> history, double delta) {
    double[] total = totalRdp(history);
    boolean nothingReleased = true;
    for (double r : total) {
      nothingReleased &= r == 0;
    }
    if (nothingReleased) {
      return new OptimalOrder(0, Double.NaN);
    }
    return epsilonFromRdp(orders, total, delta);
  }

  private double[] totalRdp(List<Segment> history) {
    double[] total = new double[orders.length];
    for (Segment s : history) {
      double[] perStep = rdpPerStep(s.noiseMultiplier(), s.sampleRate());
      for (int k = 0; k < total.length; k++) {
        total[k] += perStep[k] * s.steps(); // Opacus: compute_rdp(...) * steps, summed over the history
      }
    }
    return total;
  }

  private double[] rdpPerStep(double noiseMultiplier, double sampleRate) {
    return rdpCache.computeIfAbsent(List.of(noiseMultiplier, sampleRate), key -> {
      double[] r = new double[orders.length];
      for (int k = 0; k < orders.length; k++) {
        r[k] = SampledGaussianRdp.rdp(sampleRate, noiseMultiplier, orders[k]);
      }
      return r;
    });
  }

  private static void appendMerging(List<Segment> history, double noiseMultiplier, double sampleRate, int steps) {
    if (steps == 0) {
      return;
    }
    if (!history.isEmpty()) {
      Segment last = history.get(history.size() - 1);
      if (last.noiseMultiplier() == noiseMultiplier && last.sampleRate() == sampleRate) {
        history.set(history.size() - 1, new Segment(noiseMultiplier, sampleRate, last.steps() + steps));
        return;
      }
    }
    history.add(new Segment(noiseMultiplier, sampleRate, steps));
  }

  private static void checkStep(double noiseMultiplier, double sampleRate, int steps) {
    if (!(noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw new IllegalArgumentException("sampleRate must be in [0, 1], got " + sampleRate);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
  }

  private static void checkDelta(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
  }

  private static double[] buildDefaultOrders() {
    double[] a = new double[99 + 52];
    int n = 0; // x / 10.0 rounds exactly as Python's x / 10.0
    for (int x = 1; x < 100; x++) {
      a[n++] = 1 + x / 10.0;
    }
    for (int x = 12; x < 64; x++) {
      a[n++] = x;
    }
    return a;
  }

  @Override
  public synchronized String toString() {
    return "RdpAccountant[orders=" + orders.length + ", segments=" + segments + "]";
  }
}
