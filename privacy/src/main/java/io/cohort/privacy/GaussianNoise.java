package io.cohort.privacy;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Gaussian noise N(0, sigma^2) per coordinate, for the two places DP-FedAvg adds it.
 *
 * <ul>
 *   <li><b>Central</b>: the coordinator adds sigma = z * C once to the sum of the clipped updates ({@link
 *       #centralSigma}, {@link #addCentral}). The coordinator sees the un-noised sum, so it must be trusted.
 *   <li><b>Distributed</b>: each client adds sigma = z * C / sqrt(t) to its own clipped update before secure
 *       aggregation ({@link #distributedSigma}, {@link #addDistributed}), so that any t honest contributions carry
 *       z * C in the sum and the coordinator never sees a sum with less.
 * </ul>
 *
 * <p><b>Dropouts in distributed mode.</b> Noise of the clients that drop out never reaches the sum: with t chosen as
 * the planned cohort n, a round in which k &lt; n clients survive carries only z * C * sqrt(k / n), and the accounted
 * z would be a lie. Cohort therefore scales the client noise to a minimum number of survivors t (use the secure
 * aggregation threshold: a round with fewer survivors is aborted and releases nothing), so every completed round
 * carries at least z * C, more when more than t survive (the price: up to n / t times the variance). Where a caller
 * does complete a round with k &lt; t survivors, {@link #topUpSigma} gives the noise the coordinator must add to
 * restore z * C; that top-up protects the released model against everyone else but not against the coordinator
 * itself, which then sees the sum with less noise. The guarantee also holds only if all contributing clients are
 * honest: a client that skips its noise lowers the sum's noise by its share.
 *
 * <p><b>Sampling method.</b> Marsaglia's polar method on uniform doubles of 53 random bits from the generator ({@link
 * RandomGenerator#nextDouble()}), both outputs of each accepted pair used; the rejection loop is bounded.
 * {@link #secure()} draws from {@link SecureRandom}; {@link #seededForSimulationOnly} from a seeded {@link
 * SplittableRandom}, reproducible and <b>not for production</b>: anyone who knows the seed can subtract the noise.
 *
 * <p><b>Security guarantees.</b> With {@link #secure()}, samples from a cryptographically strong generator: nobody
 * without its state can predict or subtract the noise. <b>Not</b> provided: protection against floating-point attacks. Textbook
 * floating-point samplers leak through the low-order bits of their outputs (Mironov 2012, "On significance of the
 * least significant bits for differential privacy", shown for Laplace; Jin et al. 2022 for Gaussian samplers); a
 * discrete Gaussian on a grid (Canonne, Kamath and Steinke 2020), as secure aggregation needs anyway, would close
 * this. That is left open here, and so is timing side-channel resistance.
 *
 * <p>Not thread-safe when seeded (SplittableRandom is not); {@link #secure()} instances may be shared.
 */
public final class GaussianNoise {
  private static final int MAX_REJECTIONS = 1_000; // each try is rejected with probability 1 - pi/4

  private final RandomGenerator random;
  private final String source;

  private GaussianNoise(RandomGenerator random, String source) {
    this.random = random;
    this.source = source;
  }

  /** Noise from a fresh {@link SecureRandom}: the only choice for real deployments. */
  public static GaussianNoise secure() {
    return new GaussianNoise(new SecureRandom(), "SecureRandom");
  }

  /**
   * Reproducible noise from {@code SplittableRandom(seed)} for simulations and tests. <b>Not for production</b>: the
   * seed determines every sample, so whoever knows it can remove the noise and no privacy remains.
   */
  public static GaussianNoise seededForSimulationOnly(long seed) {
    return new GaussianNoise(new SplittableRandom(seed), "SplittableRandom(seeded, simulation only)");
  }

  /** Central mode: sigma = z * C, added once to the sum. */
  public static double centralSigma(double noiseMultiplier, double clipNorm) {
    checkZAndC(noiseMultiplier, clipNorm);
    return noiseMultiplier * clipNorm;
  }

  /**
   * Distributed mode: sigma = z * C / sqrt(t), added by each client, so that any {@code minSurvivors} = t
   * contributions sum to noise of standard deviation z * C.
   *
   * @param minSurvivors t >= 1: the fewest clients whose updates a completed round sums (the secure aggregation
   *     threshold); use the cohort size only if every dropout aborts the round
   */
  public static double distributedSigma(double noiseMultiplier, double clipNorm, int minSurvivors) {
    checkZAndC(noiseMultiplier, clipNorm);
    if (minSurvivors < 1) {
      throw new IllegalArgumentException("minSurvivors must be >= 1, got " + minSurvivors);
    }
    return noiseMultiplier * clipNorm / Math.sqrt(minSurvivors);
  }

  /**
   * Distributed mode, coordinator side: the sigma the coordinator must add to a sum of {@code survivors} = k client
   * contributions, each noised with {@link #distributedSigma}(z, C, t), for the sum to carry z * C:
   * sqrt(max(0, (z C)^2 (1 - k / t))). Zero when k >= t. Protects against observers of the result, not against the
   * coordinator (see the class comment).
   */
  public static double topUpSigma(double noiseMultiplier, double clipNorm, int minSurvivors, int survivors) {
    double perClient = distributedSigma(noiseMultiplier, clipNorm, minSurvivors);
    if (survivors < 0) {
      throw new IllegalArgumentException("survivors must be >= 0, got " + survivors);
    }
    double target = noiseMultiplier * clipNorm;
    double missing = target * target - survivors * perClient * perClient;
    return missing > 0 ? Math.sqrt(missing) : 0;
  }

  /** Adds central noise, sigma = z * C, to {@code sum} in place. */
  public void addCentral(float[] sum, double noiseMultiplier, double clipNorm) {
    addTo(sum, centralSigma(noiseMultiplier, clipNorm));
  }

  /** Adds one client's share of distributed noise, sigma = z * C / sqrt(minSurvivors), to {@code update} in place. */
  public void addDistributed(float[] update, double noiseMultiplier, double clipNorm, int minSurvivors) {
    addTo(update, distributedSigma(noiseMultiplier, clipNorm, minSurvivors));
  }

  /**
   * Adds independent N(0, sigma^2) to every element of {@code v} in place (computed in double, rounded to float).
   *
   * @param sigma finite and >= 0; 0 leaves {@code v} unchanged
   */
  public void addTo(float[] v, double sigma) {
    checkSigma(sigma);
    if (sigma == 0) {
      return;
    }
    double[] pair = new double[2];
    for (int i = 0; i < v.length; i += 2) {
      polarPair(pair);
      v[i] = (float) (v[i] + sigma * pair[0]);
      if (i + 1 < v.length) {
        v[i + 1] = (float) (v[i + 1] + sigma * pair[1]);
      }
    }
  }

  /** One sample of N(0, sigma^2). */
  public double sample(double sigma) {
    checkSigma(sigma);
    double[] pair = new double[2];
    polarPair(pair);
    return sigma * pair[0];
  }

  /** Where the randomness comes from, for provenance (e.g. "SecureRandom"). */
  public String source() {
    return source;
  }

  /** Marsaglia's polar method: two independent standard normals. */
  private void polarPair(double[] out) {
    for (int tries = 0; tries < MAX_REJECTIONS; tries++) {
      double u = 2 * random.nextDouble() - 1;
      double w = 2 * random.nextDouble() - 1;
      double s = u * u + w * w;
      if (s < 1 && s > 0) {
        double m = Math.sqrt(-2 * Math.log(s) / s);
        out[0] = u * m;
        out[1] = w * m;
        return;
      }
    }
    throw new IllegalStateException("random generator rejected " + MAX_REJECTIONS + " times in a row; is it broken?");
  }

  private static void checkSigma(double sigma) {
    if (!(sigma >= 0 && sigma < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("sigma must be finite and >= 0, got " + sigma);
    }
  }

  private static void checkZAndC(double noiseMultiplier, double clipNorm) {
    if (!(noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (!(clipNorm > 0 && clipNorm < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("clipNorm must be finite and > 0, got " + clipNorm);
    }
  }

  @Override
  public String toString() {
    return "GaussianNoise[" + source + "]";
  }
}
