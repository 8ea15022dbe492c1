package io.cohort.privacy;

import java.util.OptionalDouble;

/**
 * The differential-privacy settings of one run, validated once here: bad values are an {@link
 * IllegalArgumentException} naming the field and its allowed range.
 *
 * @param noiseMultiplier z &gt;= 0, the noise multiplier the accountant charges; 0 means no privacy (epsilon
 *     infinite). With adaptive clipping the update sum uses the larger {@link #updateNoiseMultiplier()}.
 * @param clip a fixed clip norm or adaptive clipping
 * @param delta in (0, 1); choose it well below 1 / (number of clients)
 * @param epsilonBudget if present, finite and &gt; 0: the run stops before a round would exceed it
 * @param mode who adds the noise
 */
public record DpConfig(double noiseMultiplier, Clip clip, double delta, OptionalDouble epsilonBudget, Mode mode) {

  /** Who adds the Gaussian noise. */
  public enum Mode {
    /** The coordinator adds z * C once to the sum; it must be trusted with the un-noised sum. */
    CENTRAL,
    /** Each client adds its share z * C / sqrt(t) before secure aggregation; see {@link GaussianNoise}. */
    DISTRIBUTED
  }

  /** How updates are clipped: {@link FixedClip} or {@link AdaptiveClip}. */
  public sealed interface Clip permits FixedClip, AdaptiveClip {
    /** The clip norm of the first round. */
    double initialClipNorm();
  }

  /**
   * A fixed clip norm.
   *
   * @param clipNorm C, finite and &gt; 0
   */
  public record FixedClip(double clipNorm) implements Clip {
    /** Validates. */
    public FixedClip {
      requirePositiveFinite("clip.clipNorm", clipNorm);
    }

    @Override
    public double initialClipNorm() {
      return clipNorm;
    }
  }

  /**
   * Adaptive clipping (see {@link AdaptiveClipping}).
   *
   * @param initialClipNorm C at the first round, finite and &gt; 0
   * @param targetQuantile gamma in (0, 1); 0.5 clips half of the updates
   * @param learningRate eta, finite and &gt; 0
   * @param countNoiseStddev sigma_b &gt;= 0 added to the count of unclipped updates; the paper suggests m / 20 for m
   *     expected clients per round
   */
  public record AdaptiveClip(double initialClipNorm, double targetQuantile, double learningRate,
                             double countNoiseStddev) implements Clip {
    /** The paper's default target quantile, the median. */
    public static final double DEFAULT_TARGET_QUANTILE = 0.5;
    /** The paper's default learning rate for the geometric update. */
    public static final double DEFAULT_LEARNING_RATE = 0.2;

    /** Validates. */
    public AdaptiveClip {
      requirePositiveFinite("clip.initialClipNorm", initialClipNorm);
      if (!(targetQuantile > 0 && targetQuantile < 1)) {
        throw new IllegalArgumentException("clip.targetQuantile must be in (0, 1), got " + targetQuantile);
      }
      requirePositiveFinite("clip.learningRate", learningRate);
      if (!(countNoiseStddev >= 0 && countNoiseStddev < Double.POSITIVE_INFINITY)) {
        throw new IllegalArgumentException("clip.countNoiseStddev must be finite and >= 0, got " + countNoiseStddev);
      }
    }

    /** Target quantile 0.5 and learning rate 0.2, the paper's defaults. */
    public static AdaptiveClip withDefaults(double initialClipNorm, double countNoiseStddev) {
      return new AdaptiveClip(initialClipNorm, DEFAULT_TARGET_QUANTILE, DEFAULT_LEARNING_RATE, countNoiseStddev);
    }
  }

  /** Validates. */
  public DpConfig {
    if (!(noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (clip == null) {
      throw new IllegalArgumentException("clip must be set (a fixed clip norm > 0 or adaptive clipping)");
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (epsilonBudget == null) {
      throw new IllegalArgumentException("epsilonBudget must be an OptionalDouble (empty for no budget), not null");
    }
    if (epsilonBudget.isPresent()) {
      requirePositiveFinite("epsilonBudget", epsilonBudget.getAsDouble());
    }
    if (mode == null) {
      throw new IllegalArgumentException("mode must be CENTRAL or DISTRIBUTED");
    }
    if (clip instanceof AdaptiveClip a && noiseMultiplier > 0 && !(2 * a.countNoiseStddev() > noiseMultiplier)) {
      throw new IllegalArgumentException("clip.countNoiseStddev must be > noiseMultiplier / 2 = "
          + noiseMultiplier / 2 + " with adaptive clipping (else the count alone exceeds z), got "
          + a.countNoiseStddev());
    }
  }

  /**
   * The multiplier for the noise on the update sum: z with a fixed clip norm, z_delta = (z^-2 - (2 sigma_b)^-2)^-1/2
   * with adaptive clipping (see {@link AdaptiveClipping#updateNoiseMultiplier(double, double)}).
   */
  public double updateNoiseMultiplier() {
    return clip instanceof AdaptiveClip a
        ? AdaptiveClipping.updateNoiseMultiplier(noiseMultiplier, a.countNoiseStddev())
        : noiseMultiplier;
  }

  private static void requirePositiveFinite(String field, double value) {
    if (!(value > 0 && value < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(field + " must be finite and > 0, got " + value);
    }
  }
}
