package io.cohort.coordinator.round;

import io.cohort.coordinator.strategy.FitAggregation;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The state of the open training round. Confined to the coordinator's context. */
final class FitRound {
  final int number;
  final long modelVersion;
  final List<String> invited;
  final FitAggregation aggregation;
  final long startedNanos;
  final Set<String> accepted = new HashSet<>();
  /** Clients with an admitted upload not yet accepted or aborted. */
  final Set<String> uploading = new HashSet<>();
  /** Clients whose validated update is being folded (a subset of {@link #uploading}). */
  final Set<String> folding = new HashSet<>();
  final Map<String, String> failures = new LinkedHashMap<>();
  long timerId = -1;
  /** The round is in the run state store, and its tasks are out; until then it cannot close. */
  boolean recorded;
  /** Why the round closed; null while it is open. */
  String closeReason;
  /** The secure-aggregation state, or null for a plain round. */
  SecureRound secure;
  /** What clients were told about differential privacy, or null without it. */
  io.cohort.protocol.v1.DifferentialPrivacy dp;
  /** Async mode: the summed staleness (server steps) of the accepted updates. */
  long stalenessSum;
  /** Sampled over live clients when the round started (the accountant's q). */
  double sampleRate;
  /**
   * The updates the round aggregates: the strategy's cohort size. Below {@code invited.size()} with over-selection:
   * the round closes as soon as this many updates are accepted.
   */
  int target;
  /** Invited clients that had not answered when the round (or a secure stage) closed without them. */
  int late;

  FitRound(int number, long modelVersion, List<String> invited, FitAggregation aggregation) {
    this.number = number;
    this.modelVersion = modelVersion;
    this.invited = List.copyOf(invited);
    this.aggregation = aggregation;
    this.startedNanos = System.nanoTime();
    this.target = this.invited.size();
  }

  /** Whether the round invited more clients than it aggregates (over-selection). */
  boolean overSelected() {
    return target < invited.size();
  }

  /** An over-selected round has all the updates it aggregates, accepted or being folded. */
  boolean targetReached() {
    return overSelected() && accepted.size() + folding.size() >= target;
  }

  /** Why an over-selected round closed on reaching its target. */
  String targetReason() {
    return "the round had the " + target + " updates it aggregates (over-selection: " + invited.size()
        + " invited)";
  }

  /** Closed to new updates (it may still be finishing folds). */
  boolean closing() {
    return closeReason != null;
  }

  boolean isInvited(String clientId) {
    return invited.contains(clientId);
  }

  /** Every invited client has answered or failed. */
  boolean allAnswered() {
    return accepted.size() + failures.size() >= invited.size();
  }
}
