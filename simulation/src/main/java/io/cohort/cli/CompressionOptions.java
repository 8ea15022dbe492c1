package io.cohort.cli;

import io.cohort.protocol.compression.UpdateCompression;
import picocli.CommandLine.Option;

/** The update compression of a run, shared by {@code simulate} and {@code coordinator}. */
final class CompressionOptions {
  @Option(names = "--compression", defaultValue = "none", paramLabel = "none|q8|q4|topk:FRACTION",
      description = "how clients encode their updates: none (float32), q8 or q4 (8- or 4-bit stochastic "
          + "quantisation, one scale per 256 values), topk:FRACTION (that share of the largest-magnitude values, with "
          + "client-side error feedback); needs plaintext updates (--no-secure-agg) and no DP (default: "
          + "${DEFAULT-VALUE})")
  String compression;

  /** The parsed setting. */
  UpdateCompression settings() {
    return UpdateCompression.parse(compression);
  }
}
