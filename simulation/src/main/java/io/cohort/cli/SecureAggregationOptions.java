package io.cohort.cli;

import io.cohort.coordinator.SecureAggregationSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Secure-aggregation options shared by {@code simulate} and {@code coordinator}; each command picks the default. */
final class SecureAggregationOptions {
  @Option(names = "--secure-agg", negatable = true,
      description = "secure aggregation (SecAgg+): the coordinator sees only the cohort's sum. Default: on for "
          + "`coordinator`, off for `simulate`.")
  Boolean secureAgg;

  @Option(names = "--secagg-neighbours", defaultValue = "0",
      description = "k, neighbours each client masks with; 0 = min(n-1, 2*ceil(log2 n)); n-1 or more = full SecAgg "
          + "(default: ${DEFAULT-VALUE})")
  int neighbours;

  @Option(names = "--secagg-threshold", defaultValue = "0",
      description = "t, shares needed to recover a dropped client's masks; 0 = k/2+1 (default: ${DEFAULT-VALUE})")
  int threshold;

  @Option(names = "--secagg-clip", defaultValue = "1.0",
      description = "each update coordinate is clipped to [-C, C] before quantisation to 32 bits (default: "
          + "${DEFAULT-VALUE})")
  double clipRange;

  @Option(names = "--secagg-max-weight", description = "cap on a client's example count used as its weight "
      + "(default: 10000; simulate: the largest client's example count)")
  Long maxWeight;

  @Option(names = "--secagg-stage-timeout", defaultValue = "30",
      description = "seconds the key, share and unmask stages wait for clients (default: ${DEFAULT-VALUE})")
  int stageTimeoutSeconds;

  /** The settings, with secure aggregation on unless the command line says otherwise when {@code defaultOn}. */
  SecureAggregationSettings settings(boolean defaultOn, long defaultMaxWeight) {
    return new SecureAggregationSettings(secureAgg != null ? secureAgg : defaultOn, neighbours, threshold, clipRange,
        maxWeight != null ? maxWeight : defaultMaxWeight, Duration.ofSeconds(stageTimeoutSeconds));
  }
}
