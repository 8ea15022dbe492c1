package io.cohort.client;

/**
 * Hears what becomes of a client's results, for an app's own bookkeeping or metrics (a count of updates the
 * coordinator took, an audit log). Called on the client's run thread, after the event; keep it quick, and do not call
 * back into the client. Exceptions it throws are logged and otherwise ignored.
 */
public interface ClientListener {
  /** A listener that hears nothing. */
  ClientListener NONE = new ClientListener() {};

  /**
   * The coordinator acknowledged this client's update (or masked input) for {@code round} of {@code runId}: it is in
   * that round's aggregate unless the round fails as a whole. Also called when a resend after a lost reply is told the
   * coordinator has it already.
   */
  default void updateAcknowledged(String runId, int round) {}

  /** The coordinator refused this client's update for {@code round} (too late, stale, ...; see the log for why). */
  default void updateRefused(String runId, int round) {}
}
