package io.cohort.cli;

import io.cohort.privacy.DpConfig;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import picocli.CommandLine.Option;

/**
 * Client-level differential privacy (DP-FedAvg) options shared by {@code simulate} and {@code coordinator}. DP is on
 * when {@code --dp-noise} is given.
 */
final class DifferentialPrivacyOptions {
  @Option(names = "--dp-noise", description = "noise multiplier z: Gaussian noise of standard deviation z*C on the "
      + "sum of clipped updates; turns differential privacy on")
  Double noiseMultiplier;

  @Option(names = "--dp-clip", defaultValue = "1.0",
      description = "L2 clip norm C of each client's update, or 'adaptive' (Andrew et al. 2021: C follows the median "
          + "update norm, starting at --dp-clip-initial) (default: ${DEFAULT-VALUE})")
  String clip;

  @Option(names = "--dp-clip-initial", defaultValue = "1.0",
      description = "adaptive clipping: the first round's clip norm (default: ${DEFAULT-VALUE})")
  double initialClip;

  @Option(names = "--dp-clip-quantile", defaultValue = "0.5",
      description = "adaptive clipping: the update-norm quantile C tracks (default: ${DEFAULT-VALUE})")
  double quantile;

  @Option(names = "--dp-clip-count-noise",
      description = "adaptive clipping: noise sigma_b on the count of unclipped updates (default: max(z, m/20), m the "
          + "expected clients per round; must exceed z/2)")
  Double countNoise;

  @Option(names = "--dp-delta", defaultValue = "1e-5", description = "delta of (epsilon, delta)-DP (default: "
      + "${DEFAULT-VALUE})")
  double delta;

  @Option(names = "--dp-epsilon", description = "privacy budget: the run stops before a round that would take "
      + "epsilon past it")
  Double epsilonBudget;

  @Option(names = "--dp-mode", defaultValue = "central",
      description = "central: the coordinator adds the noise to the sum; distributed: each client adds its share, so "
          + "the coordinator never sees an un-noised sum (use with --secure-agg) (default: ${DEFAULT-VALUE})")
  String mode;

  /**
   * The DP configuration, or empty when {@code --dp-noise} was not given.
   *
   * @param expectedCohort clients expected per round (for the default count noise of adaptive clipping)
   */
  Optional<DpConfig> config(double expectedCohort) {
    if (noiseMultiplier == null) {
      if (epsilonBudget != null) {
        throw new IllegalArgumentException("--dp-epsilon needs --dp-noise: there is no privacy to budget without it");
      }
      return Optional.empty();
    }
    DpConfig.Mode m = switch (mode.toLowerCase(Locale.ROOT)) {
      case "central" -> DpConfig.Mode.CENTRAL;
      case "distributed" -> DpConfig.Mode.DISTRIBUTED;
      default -> throw new IllegalArgumentException("--dp-mode must be central or distributed, got '" + mode + "'");
    };
    DpConfig.Clip c;
    if (clip.equalsIgnoreCase("adaptive")) {
      double sigmaB = countNoise != null ? countNoise : Math.max(noiseMultiplier, expectedCohort / 20);
      c = new DpConfig.AdaptiveClip(initialClip, quantile, DpConfig.AdaptiveClip.DEFAULT_LEARNING_RATE, sigmaB);
    } else {
      try {
        c = new DpConfig.FixedClip(Double.parseDouble(clip));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--dp-clip must be a positive number or 'adaptive', got '" + clip + "'");
      }
    }
    return Optional.of(new DpConfig(noiseMultiplier, c, delta,
        epsilonBudget == null ? OptionalDouble.empty() : OptionalDouble.of(epsilonBudget), m));
  }
}
