package io.cohort.coordinator.round;

import io.cohort.privacy.AdaptiveClipping;
import io.cohort.privacy.DpConfig;
import io.cohort.privacy.GaussianNoise;
import io.cohort.privacy.RdpAccountant;
import io.cohort.protocol.v1.AccountantSegment;
import io.cohort.protocol.v1.DifferentialPrivacy;
import io.cohort.protocol.v1.PrivacyState;

/**
 * The differential-privacy state of a run (DP-FedAvg, McMahan et al. 2018, client level): the clip norm (fixed or
 * adaptive), the noise the coordinator adds in central mode, and the RDP accountant that turns the rounds so far into
 * (epsilon, delta). Confined to the coordinator's context, except {@link #noiseMean}, which a worker calls while no
 * other method runs (the round is aggregating).
 *
 * <p>Accounting treats each round as one step of the Poisson-subsampled Gaussian mechanism with sample rate q =
 * sampled / live clients. Cohort samples a fixed-size cohort rather than Poisson, as Flower and TensorFlow Federated
 * do; the accountant's bound is the standard approximation for that case.
 */
final class PrivacyLedger {
  private final DpConfig config;
  private final int minSurvivors;
  private final RdpAccountant accountant = new RdpAccountant();
  private final GaussianNoise noise = GaussianNoise.secure();
  private AdaptiveClipping adaptive; // created at the first round, when the expected cohort size is known
  private double fixedClipNorm;
  private double restoredClipNorm = Double.NaN; // the adaptive clip norm a resumed run had reached

  /**
   * @param minSurvivors the fewest clients whose updates a round aggregates: distributed noise is scaled so that
   *     even that many carry the whole noise
   */
  PrivacyLedger(DpConfig config, int minSurvivors) {
    this.config = config;
    this.minSurvivors = Math.max(1, minSurvivors);
    this.fixedClipNorm = config.clip() instanceof DpConfig.FixedClip f ? f.clipNorm() : Double.NaN;
  }

  DpConfig config() {
    return config;
  }

  boolean adaptive() {
    return config.clip() instanceof DpConfig.AdaptiveClip;
  }

  /** The clip norm clients use in the next round. */
  double clipNorm() {
    if (adaptive != null) {
      return adaptive.clipNorm();
    }
    if (config.clip() instanceof DpConfig.AdaptiveClip a) {
      return Double.isNaN(restoredClipNorm) ? a.initialClipNorm() : restoredClipNorm;
    }
    return fixedClipNorm;
  }

  /** Epsilon spent by the rounds so far, at the configured delta. */
  double epsilon() {
    return accountant.epsilon(config.delta());
  }

  /** Whether one more round at sample rate {@code q} keeps epsilon within the budget (always, without one). */
  boolean allowsRound(double q) {
    return config.epsilonBudget().isEmpty()
        || accountant.epsilonAfter(config.noiseMultiplier(), q, 1, config.delta())
            <= config.epsilonBudget().getAsDouble();
  }

  /** What the clients of a round of {@code cohort} clients are told to do. */
  DifferentialPrivacy instructions(int cohort) {
    if (adaptive == null && config.clip() instanceof DpConfig.AdaptiveClip a) {
      adaptive = new AdaptiveClipping(new DpConfig.AdaptiveClip(clipNorm(), a.targetQuantile(), a.learningRate(),
          a.countNoiseStddev()), cohort, noise);
    }
    DifferentialPrivacy.Builder b = DifferentialPrivacy.newBuilder().setClipNorm(clipNorm()).setAdaptive(adaptive());
    if (config.mode() == DpConfig.Mode.DISTRIBUTED) {
      b.setNoiseStddev(GaussianNoise.distributedSigma(config.updateNoiseMultiplier(), clipNorm(), minSurvivors));
      if (config.clip() instanceof DpConfig.AdaptiveClip a) {
        b.setBitNoiseStddev(a.countNoiseStddev() / Math.sqrt(minSurvivors));
      }
    }
    return b.build();
  }

  /** The per-coordinate bound a clipped (and, in distributed mode, noised) update stays within, for quantisation. */
  double coordinateBound(DifferentialPrivacy instructions) {
    double bound = instructions.getClipNorm() + 8 * instructions.getNoiseStddev();
    if (instructions.getAdaptive()) { // the centred bit, ±1/2 plus its own noise, is one more coordinate
      bound = Math.max(bound, 0.5 + 8 * instructions.getBitNoiseStddev());
    }
    return bound;
  }

  /**
   * Central mode: adds the Gaussian noise of the sum (standard deviation z_delta * C) to the mean of {@code count}
   * clipped updates, i.e. z_delta * C / count per coordinate. Distributed mode: nothing, the clients added it.
   */
  void noiseMean(float[] mean, int count, double clipNorm) {
    if (config.mode() == DpConfig.Mode.CENTRAL && config.noiseMultiplier() > 0) {
      noise.addTo(mean, config.updateNoiseMultiplier() * clipNorm / count);
    }
  }

  /** The ledger as a checkpoint keeps it: the accountant's history and the clip norm. */
  PrivacyState snapshot() {
    PrivacyState.Builder b = PrivacyState.newBuilder().setClipNorm(clipNorm());
    for (RdpAccountant.Segment s : accountant.history()) {
      b.addSegments(AccountantSegment.newBuilder().setNoiseMultiplier(s.noiseMultiplier())
          .setSampleRate(s.sampleRate()).setSteps(s.steps()));
    }
    return b.build();
  }

  /** Takes back the state of a resumed run (before its first round here). */
  void restore(PrivacyState state) {
    accountant.replay(state.getSegmentsList().stream()
        .map(s -> new RdpAccountant.Segment(s.getNoiseMultiplier(), s.getSampleRate(), s.getSteps())).toList());
    if (adaptive()) {
      restoredClipNorm = state.getClipNorm();
    }
  }

  /**
   * Books a completed round: one accountant step at sample rate {@code q}, and the adaptive clip norm's update from
   * the sum of the clients' centred bits (noised by the clients in distributed mode).
   */
  void completeRound(double q, double centredBitSum, int reports) {
    accountant.step(config.noiseMultiplier(), q, 1);
    if (adaptive != null) {
      if (config.mode() == DpConfig.Mode.DISTRIBUTED) {
        adaptive.updateFromNoisedSum(centredBitSum);
      } else {
        int unclipped = (int) Math.max(0, Math.min(reports, Math.round(centredBitSum + reports / 2.0)));
        adaptive.update(unclipped, reports);
      }
    }
  }
}
