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
          + "(median, trimmed-mean, krum, bulyan) need plaintext updates, so add --no-secure-agg "
          + "(default: ${DEFAULT-VALUE})")
  String strategy;

  @Option(names = "--mode", defaultValue = "sync",
      description = "sync: rounds with a barrier (every sampled client answers or times out); async: FedBuff "
          + "(Nguyen et al. 2022), clients train continuously and every --buffer updates make a server step, "
          + "stale ones weighted (1+s)^-1/2; needs --no-secure-agg and no --dp-* (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--buffer", defaultValue = "10",
      description = "async mode: updates per server step, K; --rounds counts server steps (default: ${DEFAULT-VALUE})")
  int buffer;

  @Option(names = "--max-staleness", defaultValue = "10",
      description = "async mode: updates more server steps behind are refused and their client handed the current "
          + "model (default: ${DEFAULT-VALUE})")
  int maxStaleness;

  /** The async settings of {@code --mode async}, or null for synchronous rounds. */
  io.cohort.coordinator.AsyncSettings async() {
    return switch (mode) {
      case "sync" -> null;
      case "async" -> new io.cohort.coordinator.AsyncSettings(buffer, maxStaleness);
      default -> throw new IllegalArgumentException("--mode must be sync or async, got '" + mode + "'");
    };
  }

  @Option(names = "--over-select", defaultValue = "0", paramLabel = "SHARE",
      description = "over-selection: invite ceil(K x (1 + SHARE)) live clients where the strategy chose K, and close "
          + "the round at the first K updates (later ones are refused); e.g. 0.3 (default: ${DEFAULT-VALUE}: none)")
  double overSelect;
}
