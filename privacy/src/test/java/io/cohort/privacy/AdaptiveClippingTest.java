package io.cohort.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdaptiveClippingTest {
  private static final int POPULATION = 1000;
  private static final double SAMPLE_RATE = 0.1;

  /** Norms of a fixed synthetic population: log-normal around 3 (a typical spread of update norms). */
  private static double[] population() {
    SplittableRandom r = new SplittableRandom(2021);
    double[] norms = new double[POPULATION];
    GaussianNoise g = GaussianNoise.seededForSimulationOnly(2021);
    for (int i = 0; i < norms.length; i++) {
      norms[i] = 3 * Math.exp(g.sample(0.5)) * (0.99 + 0.02 * r.nextDouble());
    }
    return norms;
  }

  /** Runs Poisson-sampled rounds and returns the geometric mean of C over the last half of them. */
  private static double settledClipNorm(double[] norms, DpConfig.AdaptiveClip params, int rounds, long seed) {
    double expected = SAMPLE_RATE * norms.length;
    AdaptiveClipping clipping =
        new AdaptiveClipping(params, expected, GaussianNoise.seededForSimulationOnly(seed));
    SplittableRandom sampler = new SplittableRandom(seed + 1);
    double logSum = 0;
    for (int round = 0; round < rounds; round++) {
      int reports = 0;
      int unclipped = 0;
      for (double norm : norms) {
        if (sampler.nextDouble() < SAMPLE_RATE) {
          reports++;
          unclipped += AdaptiveClipping.unclipped(norm, clipping.clipNorm()) ? 1 : 0;
        }
      }
      clipping.update(unclipped, reports);
      if (round >= rounds / 2) {
        logSum += Math.log(clipping.clipNorm());
      }
    }
    return Math.exp(logSum / (rounds - rounds / 2));
  }

  private static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }

  @Test
  void update_syntheticNorms_convergesToMedian() {
    double[] norms = population();
    double expected = SAMPLE_RATE * POPULATION;
    // Start far below, with the paper's defaults and its suggested count noise m / 20.
    DpConfig.AdaptiveClip params = DpConfig.AdaptiveClip.withDefaults(0.1, expected / 20);
    double settled = settledClipNorm(norms, params, 400, 11);
    double median = quantile(norms, 0.5);
    assertThat(settled).isCloseTo(median, within(0.05 * median));
    long unclipped = Arrays.stream(norms).filter(n -> n <= settled).count();
    assertThat(unclipped / (double) POPULATION).isCloseTo(0.5, within(0.05));
  }

  @Test
  void update_targetQuantile0_9_convergesToNinetiethPercentile() {
    double[] norms = population();
    DpConfig.AdaptiveClip params = new DpConfig.AdaptiveClip(50.0, 0.9, 0.2, SAMPLE_RATE * POPULATION / 20);
    double settled = settledClipNorm(norms, params, 400, 12);
    double p90 = quantile(norms, 0.9);
    assertThat(settled).isCloseTo(p90, within(0.05 * p90));
  }

  @Test
  void update_withoutNoise_followsTheGeometricRule() {
    AdaptiveClipping clipping = new AdaptiveClipping(
        new DpConfig.AdaptiveClip(2.0, 0.5, 0.2, 0.0), 10, GaussianNoise.seededForSimulationOnly(0));
    assertThat(clipping.update(10, 10)).isCloseTo(2.0 * Math.exp(-0.2 * 0.5), within(1e-15)); // all fit: shrink
    double c = clipping.clipNorm();
    assertThat(clipping.update(0, 10)).isCloseTo(c * Math.exp(0.2 * 0.5), within(1e-15)); // all clipped: grow
    c = clipping.clipNorm();
    assertThat(clipping.update(5, 10)).isCloseTo(c, within(1e-15)); // at the target: stay
  }

  @Test
  void updateFromNoisedSum_outOfRangeFraction_isClampedToZeroOne() {
    AdaptiveClipping clipping = new AdaptiveClipping(
        DpConfig.AdaptiveClip.withDefaults(1.0, 5.0), 10, GaussianNoise.seededForSimulationOnly(0));
    assertThat(clipping.updateFromNoisedSum(1e6)).isCloseTo(Math.exp(-0.2 * 0.5), within(1e-15));
    assertThat(AdaptiveClipping.centeredBit(1.0, 2.0)).isEqualTo(0.5);
    assertThat(AdaptiveClipping.centeredBit(3.0, 2.0)).isEqualTo(-0.5);
  }

  @Test
  void updateNoiseMultiplier_composesBackToTheAccountedZ() {
    double z = 1.0;
    double sigmaB = 5.0; // m / 20 for m = 100
    double zDelta = AdaptiveClipping.updateNoiseMultiplier(z, sigmaB);
    assertThat(zDelta).isGreaterThan(z);
    // Andrew et al. 2021, Theorem 1: z = (z_delta^-2 + (2 sigma_b)^-2)^-1/2.
    double composed = 1 / Math.sqrt(1 / (zDelta * zDelta) + 1 / (4 * sigmaB * sigmaB));
    assertThat(composed).isCloseTo(z, within(1e-14));
    assertThat(zDelta).isCloseTo(1 / Math.sqrt(1 - 0.01), within(1e-14));
    assertThat(AdaptiveClipping.updateNoiseMultiplier(0, 5.0)).isZero();
  }

  @Test
  void updateNoiseMultiplier_countNoiseTooSmall_throws() {
    assertThatThrownBy(() -> AdaptiveClipping.updateNoiseMultiplier(1.0, 0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("countNoiseStddev must be > noiseMultiplier / 2 = 0.5");
    assertThatThrownBy(() -> AdaptiveClipping.updateNoiseMultiplier(1.0, 0.0)).hasMessageContaining("countNoiseStddev");
  }

  @Test
  void update_inconsistentCounts_throws() {
    AdaptiveClipping clipping = new AdaptiveClipping(
        DpConfig.AdaptiveClip.withDefaults(1.0, 5.0), 10, GaussianNoise.seededForSimulationOnly(0));
    assertThatThrownBy(() -> clipping.update(11, 10)).hasMessageContaining("0 <= unclippedCount <= reports");
    assertThatThrownBy(() -> clipping.updateFromNoisedSum(Double.NaN)).hasMessageContaining("finite");
    assertThatThrownBy(() -> new AdaptiveClipping(DpConfig.AdaptiveClip.withDefaults(1.0, 5.0), 0,
        GaussianNoise.secure())).hasMessageContaining("expectedReports must be finite and > 0");
  }
}
