package io.cohort.cli;

import picocli.CommandLine.Option;

/** Round options shared by {@code simulate} and {@code coordinator}. */
final class RoundOptions {
  @Option(names = "--rounds", defaultValue = "5", description = "training rounds (default: ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--fraction", defaultValue = "1.0",
      description = "share of clients sampled each round (default: ${DEFAULT-VALUE})")
  double fraction;

  @Option(names = "--min-clients", defaultValue = "1",
      description = "fewest results a round aggregates; fewer fails the round (default: ${DEFAULT-VALUE})")
  int minClients;

  @Option(names = "--round-timeout", defaultValue = "600",
      description = "seconds a round waits for results (default: ${DEFAULT-VALUE})")
  int roundTimeoutSeconds;

  @Option(names = "--eval-every", defaultValue = "0",
      description = "federated evaluation on clients' held-out data every K rounds; 0 = off (default: ${DEFAULT-VALUE})")
  int evaluateEvery;

  @Option(names = "--seed", defaultValue = "1", description = "seed of the whole run (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--strategy", defaultValue = "fedavg",
      description = "how updates combine: " + io.cohort.coordinator.strategy.Strategies.NAMES + "; the robust ones "
          + "(median, trimmed-mean, krum) need plaintext updates, so add --no-secure-agg (default: ${DEFAULT-VALUE})")
  String strategy;

  @Option(names = "--over-select", defaultValue = "0", paramLabel = "SHARE",
      description = "over-selection: invite ceil(K x (1 + SHARE)) live clients where the strategy chose K, and close "
          + "the round at the first K updates (later ones are refused); e.g. 0.3 (default: ${DEFAULT-VALUE}: none)")
  double overSelect;
}
