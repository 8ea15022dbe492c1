package io.cohort.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the image data comes from (shared by {@code simulate} and {@code client}). */
final class DataOptions {
  @Option(names = "--data-dir",
      description = "directory with the four Fashion-MNIST files (checked against the official checksums); default: "
          + "/usr/share/datasets/fashion-mnist, then ~/.cache/cohort/fashion-mnist")
  Path dataDir;

  @Option(names = "--idx-dir",
      description = "directory with any IDX image data set under Fashion-MNIST's four file names (not checksummed)")
  Path idxDir;

  @Option(names = "--download", description = "download Fashion-MNIST into the cache (checksum-verified) if absent")
  boolean download;

  Path directory() {
    if (dataDir != null && idxDir != null) {
      throw new IllegalArgumentException("give --data-dir or --idx-dir, not both");
    }
    return idxDir != null ? idxDir : dataDir;
  }

  boolean verify() {
    return idxDir == null;
  }
}
