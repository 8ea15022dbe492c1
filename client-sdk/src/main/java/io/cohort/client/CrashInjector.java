package io.cohort.client;

/**
 * Decides whether a client crashes just before it answers a stage of a round: for simulations and tests of dropout
 * (secure aggregation must recover from a client lost at any stage). A crashed client behaves like a process that died
 * and restarted: it forgets the round, registers again under a new id, and takes part in later rounds. Production
 * clients use {@link #NEVER}.
 */
@FunctionalInterface
public interface CrashInjector {
  /** Never crashes. */
  CrashInjector NEVER = (round, stage) -> false;

  /**
   * Whether to crash before answering {@code stage} of {@code round}.
   *
   * @param round the round number (1-based)
   * @param stage the stage about to be answered
   */
  boolean crashBefore(int round, RoundStage stage);
}
