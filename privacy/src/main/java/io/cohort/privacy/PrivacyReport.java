package io.cohort.privacy;

/**
 * What a run spent, as written to summary.json.
 *
 * @param mechanism what was run and how it was accounted, in words
 * @param noiseMultiplier the accounted z
 * @param clipNorm the clip norm (the last one, with adaptive clipping)
 * @param delta the target delta
 * @param epsilon the epsilon spent; {@code +Infinity} when z = 0 (JSON writers need to allow non-numeric values or
 *     map it, e.g. to a string)
 * @param noiseAddedBy {@value #COORDINATOR} (central) or {@value #CLIENTS} (distributed)
 */
public record PrivacyReport(String mechanism, double noiseMultiplier, double clipNorm, double delta, double epsilon,
                            String noiseAddedBy) {
  /** {@link #noiseAddedBy()} in central mode. */
  public static final String COORDINATOR = "coordinator";
  /** {@link #noiseAddedBy()} in distributed mode. */
  public static final String CLIENTS = "clients";

  /** Validates. */
  public PrivacyReport {
    if (mechanism == null || mechanism.isBlank()) {
      throw new IllegalArgumentException("mechanism must not be blank");
    }
    if (!(noiseMultiplier >= 0 && noiseMultiplier < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
    }
    if (!(clipNorm > 0 && clipNorm < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("clipNorm must be finite and > 0, got " + clipNorm);
    }
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), got " + delta);
    }
    if (!(epsilon >= 0)) {
      throw new IllegalArgumentException("epsilon must be >= 0 (or +Infinity), got " + epsilon);
    }
    if (!COORDINATOR.equals(noiseAddedBy) && !CLIENTS.equals(noiseAddedBy)) {
      throw new IllegalArgumentException(
          "noiseAddedBy must be \"" + COORDINATOR + "\" or \"" + CLIENTS + "\", got " + noiseAddedBy);
    }
  }

  /**
   * The report of a run with {@code config} that ended with clip norm {@code clipNorm} having spent {@code epsilon}
   * (from {@link RdpAccountant#epsilon} at {@code config.delta()}).
   */
  public static PrivacyReport of(DpConfig config, double clipNorm, double epsilon) {
    String clipping = config.clip() instanceof DpConfig.AdaptiveClip
        ? "adaptive clipping (Andrew et al. 2021)"
        : "fixed clipping";
    String mechanism = "DP-FedAvg, client-level: Poisson-subsampled Gaussian, " + clipping
        + "; RDP accountant (Mironov et al. 2019) with the Balle et al. 2020 conversion";
    return new PrivacyReport(mechanism, config.noiseMultiplier(), clipNorm, config.delta(), epsilon,
        config.mode() == DpConfig.Mode.CENTRAL ? COORDINATOR : CLIENTS);
  }
}
