package io.cohort.coordinator.state;

import java.io.Serializable;
import java.util.List;

/**
 * What a driver must know to continue a training round another driver opened: written before any client hears of
 * the round.
 *
 * @param round round number
 * @param modelVersion the global model version the round trains (the committed one)
 * @param invited the sampled clients
 * @param deadlineUnixMs when the round stops accepting updates (wall clock)
 * @param sampleRate the share of live clients sampled (the privacy accountant's q)
 * @param differentialPrivacy the encoded {@code DifferentialPrivacy} instructions clients got, or null without DP
 * @param secure whether the round uses secure aggregation (such a round cannot be continued by another node)
 * @param target the updates the round aggregates (fewer than {@code invited} with over-selection); 0 for all invited
 */
public record OpenRound(int round, long modelVersion, List<String> invited, long deadlineUnixMs, double sampleRate,
    byte[] differentialPrivacy, boolean secure, int target) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Copies {@code invited}. */
  public OpenRound {
    invited = List.copyOf(invited);
  }

  /** A round that aggregates every invited client's update (no over-selection). */
  public OpenRound(int round, long modelVersion, List<String> invited, long deadlineUnixMs, double sampleRate,
      byte[] differentialPrivacy, boolean secure) {
    this(round, modelVersion, invited, deadlineUnixMs, sampleRate, differentialPrivacy, secure, 0);
  }
}
