package io.cohort.coordinator.state;

/** What became of one update sent to {@link RunStateStore#fold}. */
public enum FoldOutcome {
  /** Folded into the round's running sum, exactly once; the client may be acknowledged. */
  ACCEPTED,
  /** The client already has an update in this round's sum (a resend after a lost reply); nothing changed. */
  DUPLICATE,
  /** The sum belongs to another round (or none is open); nothing changed. */
  WRONG_ROUND,
  /** A driver with a higher term owns the round: this node was deposed; nothing changed. */
  FENCED
}
