package io.cohort.coordinator.cluster;

/**
 * Told when this member starts and stops driving rounds. Both methods are called on the election's single event
 * thread ({@code cohort-election-events}), one at a time and in order, never on a Hazelcast or Vert.x thread; hand
 * the work to Vert.x ({@code context.runOnContext(...)}) and return. A slow listener delays later notifications but
 * never the lease renewals.
 *
 * <p>Notifications are advice, the lease is the authority: {@link DriverElection#term()} may already be 0 when
 * {@code becameDriver} runs, and {@code lostDriver} may arrive after another member started driving. Attach the term
 * to every write ({@link FencedMap}) rather than trusting the timing of these calls.
 */
public interface DriverListener {
  /**
   * This member now drives, under {@code term}: higher than every earlier driver's term in this cluster. Claim the
   * run state with it ({@link FencedMap#claim}) before acting on what was read.
   */
  void becameDriver(long term);

  /** This member no longer drives under {@code term} (lease lost, not renewed in time, or handed over on close). */
  void lostDriver(long term);
}
