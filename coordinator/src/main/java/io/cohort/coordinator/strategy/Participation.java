package io.cohort.coordinator.strategy;

/**
 * Who stands behind a round's aggregate: how many clients' updates it combines, and how many clients the run had
 * registered when it aggregated. SCAFFOLD scales its control-variate step by {@code aggregated / registered}.
 *
 * @param aggregated updates combined into the aggregate (the round's {@code |S|}), at least 1
 * @param registered clients registered in the run (the paper's {@code N}); never taken below {@code aggregated}
 */
public record Participation(int aggregated, int registered) {
  /** Checks the counts and lifts {@code registered} to {@code aggregated} (a client may leave after its upload). */
  public Participation {
    if (aggregated < 1) {
      throw new IllegalArgumentException("a round's aggregate combines at least one update, got " + aggregated);
    }
    registered = Math.max(registered, aggregated);
  }

  /** The share of the registered clients whose updates the aggregate combines, in (0, 1]. */
  public double share() {
    return (double) aggregated / registered;
  }
}
