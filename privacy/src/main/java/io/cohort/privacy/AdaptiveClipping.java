package io.cohort.privacy;

/**
 * Adaptive clipping to a target quantile of the update norms (Andrew, Thakkar, McMahan and Ramaswamy 2021,
 * "Differentially private learning with adaptive clipping"), with the geometric update.
 *
 * <p>Each round every sampled client reports one bit b_i = [||update_i|| &lt;= C] for the current clip norm C
 * (before clipping its update to C). The coordinator estimates the fraction of unclipped updates privately, centred
 * as in the paper and TensorFlow Privacy so that one client moves the sum by at most 1/2:
 *
 * <pre>  bbar = clamp((sum_i (b_i - 1/2) + N(0, sigma_b^2)) / m + 1/2, 0, 1),   C &lt;- C * exp(-eta * (bbar - gamma))</pre>
 *
 * where m is the <i>expected</i> number of reports per round (the true count is itself private under Poisson
 * sampling), gamma the target quantile (default 0.5, the median) and eta the learning rate (default 0.2). When more
 * than a fraction gamma of the updates fit under C, C shrinks, and the other way round; C settles near the
 * gamma-quantile of the norms.
 *
 * <p><b>Privacy cost and the noise split.</b> The count is a Gaussian query of sensitivity 1/2 with noise sigma_b,
 * i.e. noise multiplier 2 sigma_b, released each round together with the update sum (noise multiplier z_delta).
 * Their composition is exactly one Gaussian mechanism with z = (z_delta^-2 + (2 sigma_b)^-2)^-1/2 (the paper's
 * Theorem 1), so to be accounted as z the update sum must use the larger z_delta = (z^-2 - (2 sigma_b)^-2)^-1/2
 * ({@link #updateNoiseMultiplier}), which needs 2 sigma_b &gt; z. The accountant then steps with z, not z_delta. The
 * paper suggests sigma_b = m / 20, which costs little: z_delta is barely above z when m is large.
 *
 * <p><b>Distributed mode.</b> {@link #update} adds the count noise on the coordinator, which then sees the un-noised
 * count. Under secure aggregation each client instead adds N(0, sigma_b^2 / t) to its centred bit {@link
 * #centeredBit} (t the minimum survivors, as for {@link GaussianNoise#distributedSigma}) and the coordinator passes
 * the aggregated sum to {@link #updateFromNoisedSum}.
 *
 * <p><b>Security guarantees.</b> With sigma_b &gt; 0, the clip norm (and hence its whole trajectory) is a
 * differentially private function of the bits, covered by the accounting above. <b>Not</b> provided: privacy with
 * sigma_b = 0 (then the count is released exactly; {@link #updateNoiseMultiplier} refuses it), or protection of the
 * bits themselves against the coordinator in central mode. Not thread-safe: one instance per run, updated once per
 * round.
 */
public final class AdaptiveClipping {
  private final DpConfig.AdaptiveClip params;
  private final double expectedReports;
  private final GaussianNoise noise;
  private double clipNorm;

  /**
   * Starts at {@code params.initialClipNorm()}.
   *
   * @param params initial clip norm, target quantile, learning rate and count noise sigma_b
   * @param expectedReports m &gt; 0: the expected number of clients reporting per round (sample rate times population)
   * @param noise the source of the count noise
   */
  public AdaptiveClipping(DpConfig.AdaptiveClip params, double expectedReports, GaussianNoise noise) {
    if (params == null || noise == null) {
      throw new IllegalArgumentException("params and noise must not be null");
    }
    if (!(expectedReports > 0 && expectedReports < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("expectedReports must be finite and > 0, got " + expectedReports);
    }
    this.params = params;
    this.expectedReports = expectedReports;
    this.noise = noise;
    this.clipNorm = params.initialClipNorm();
  }

  /** The clip norm C for the next round. */
  public double clipNorm() {
    return clipNorm;
  }

  /** The parameters this instance runs with. */
  public DpConfig.AdaptiveClip params() {
    return params;
  }

  /** Client side: the bit b_i, true when the update's norm fits under the clip norm (it is not clipped). */
  public static boolean unclipped(double updateNorm, double clipNorm) {
    return updateNorm <= clipNorm;
  }

  /** Client side, distributed mode: b_i - 1/2, i.e. +0.5 when unclipped and -0.5 when clipped. */
  public static double centeredBit(double updateNorm, double clipNorm) {
    return unclipped(updateNorm, clipNorm) ? 0.5 : -0.5;
  }

  /**
   * Central mode: one round's update of C from the count of unclipped reports; adds N(0, sigma_b^2) itself.
   *
   * @param unclippedCount the number of reported bits that are 1, in [0, reports]
   * @param reports the number of clients that reported this round
   * @return the new clip norm
   */
  public double update(int unclippedCount, int reports) {
    if (reports < 0 || unclippedCount < 0 || unclippedCount > reports) {
      throw new IllegalArgumentException(
          "need 0 <= unclippedCount <= reports, got unclippedCount=" + unclippedCount + ", reports=" + reports);
    }
    double centeredSum = unclippedCount - 0.5 * reports;
    return updateFromNoisedSum(centeredSum + noise.sample(params.countNoiseStddev()));
  }

  /**
   * Distributed mode: one round's update of C from the securely aggregated sum of the clients' noised centred bits
   * (sum of b_i - 1/2 plus noise of total standard deviation sigma_b).
   *
   * @return the new clip norm
   */
  public double updateFromNoisedSum(double noisedCenteredSum) {
    if (!Double.isFinite(noisedCenteredSum)) {
      throw new IllegalArgumentException("noisedCenteredSum must be finite, got " + noisedCenteredSum);
    }
    double fraction = Math.min(1, Math.max(0, noisedCenteredSum / expectedReports + 0.5));
    clipNorm *= Math.exp(-params.learningRate() * (fraction - params.targetQuantile()));
    return clipNorm;
  }

  /** This instance's z_delta for an accounted z; see {@link #updateNoiseMultiplier(double, double)}. */
  public double updateNoiseMultiplier(double noiseMultiplier) {
    return updateNoiseMultiplier(noiseMultiplier, params.countNoiseStddev());
  }

  /**
   * The noise multiplier for the update sum, z_delta = (z^-2 - (2 sigma_b)^-2)^-1/2, such that update sum and count
   * together cost exactly a Gaussian mechanism with multiplier z. z = 0 (no privacy) gives 0.
   *
   * @throws IllegalArgumentException unless 2 sigma_b &gt; z (the count alone would spend more than the budget)
   */
  public static double updateNoiseMultiplier(double noiseMultiplier, double countNoiseStddev) {
    if (!(noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (noiseMultiplier == 0) {
      return 0;
    }
    if (!(2 * countNoiseStddev > noiseMultiplier)) {
      throw new IllegalArgumentException("countNoiseStddev must be > noiseMultiplier / 2 = " + noiseMultiplier / 2
          + " for adaptive clipping to fit the budget, got " + countNoiseStddev);
    }
    double countMultiplier = 2 * countNoiseStddev;
    return 1 / Math.sqrt(1 / (noiseMultiplier * noiseMultiplier) - 1 / (countMultiplier * countMultiplier));
  }

  @Override
  public String toString() {
    return "AdaptiveClipping[C=" + clipNorm + ", " + params + ", m=" + expectedReports + "]";
  }
}
