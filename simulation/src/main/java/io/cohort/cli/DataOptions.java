package io.cohort.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the data comes from (shared by {@code simulate} and {@code client}). */
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

  @Option(names = "--data", paramLabel = "fashion-mnist|csv:PATH", defaultValue = "fashion-mnist",
      description = "fashion-mnist (default), or csv:PATH for a tabular CSV with a header line, read by Tribuo's "
          + "CSVLoader: every column but --label is a numeric feature; features and labels are ordered by name; "
          + "20%% of the rows (seeded by --seed) are held out for central evaluation")
  String data;

  @Option(names = "--label", paramLabel = "COLUMN", description = "the label column of --data csv:PATH")
  String label;

  Path directory() {
    if (dataDir != null && idxDir != null) {
      throw new IllegalArgumentException("give --data-dir or --idx-dir, not both");
    }
    return idxDir != null ? idxDir : dataDir;
  }

  boolean verify() {
    return idxDir == null;
  }

  /**
   * The CSV of {@code --data csv:PATH}, or null for Fashion-MNIST.
   *
   * @throws IllegalArgumentException if {@code --data} is neither form, or the CSV and image flags are mixed
   */
  Path csv() {
    if ("fashion-mnist".equals(data)) {
      if (label != null) {
        throw new IllegalArgumentException("--label names the label column of --data csv:PATH");
      }
      return null;
    }
    if (!data.startsWith("csv:") || data.length() == "csv:".length()) {
      throw new IllegalArgumentException("--data must be fashion-mnist or csv:PATH, got '" + data + "'");
    }
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("--data csv:PATH needs --label COLUMN, the CSV's label column");
    }
    if (dataDir != null || idxDir != null || download) {
      throw new IllegalArgumentException("--data-dir, --idx-dir and --download are for Fashion-MNIST, not --data csv:");
    }
    return Path.of(data.substring("csv:".length()));
  }
}
