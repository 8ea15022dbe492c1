package io.cohort.coordinator.round;

import io.cohort.coordinator.registry.RegisteredClient;
import io.cohort.coordinator.state.OpenRound;
import io.cohort.coordinator.state.RoundTally;
import java.util.List;

/**
 * What a driver starts from besides the model: the committed run (null for a fresh run), the round a previous driver
 * left open and its running sum (null if none), the registered clients, and why the run ended if it did.
 *
 * @param restored the committed run state, or null for a fresh run
 * @param open the open round, or null
 * @param tally {@code open}'s running sum, or null
 * @param clients the clients registered with earlier drivers
 * @param finishedReason why the run ended, or null while it goes on
 */
public record DriverState(RunCheckpoints.Restored restored, OpenRound open, RoundTally tally,
    List<RegisteredClient> clients, String finishedReason) {
  /** Copies {@code clients}. */
  public DriverState {
    clients = List.copyOf(clients);
  }

  /** A run that goes on. */
  public DriverState(RunCheckpoints.Restored restored, OpenRound open, RoundTally tally,
      List<RegisteredClient> clients) {
    this(restored, open, tally, clients, null);
  }
}
