package io.cohort.client;

/**
 * Decides whether a client is reachable in a round: for simulations and tests of intermittently available devices (a
 * phone that is off, out of coverage or not charging). A client that is offline for a round behaves, as the
 * coordinator sees it, like a device that is not there: it does not answer that round's tasks (training, the
 * secure-aggregation stages, evaluation), sends no decline and no error, and does not leave; the round's deadline or
 * over-selection deals with its silence. It stays registered and answers the tasks of the next round it is online
 * for. Production clients use {@link #ALWAYS}.
 */
@FunctionalInterface
public interface Availability {
  /** Always online. */
  Availability ALWAYS = round -> true;

  /**
   * Whether the client is online for {@code round}. Called for every task the client receives, possibly several
   * times for one round, so it must give the same answer for the same round.
   *
   * @param round the round number (1-based)
   */
  boolean online(int round);
}
