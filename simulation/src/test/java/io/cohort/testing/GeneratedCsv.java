package io.cohort.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The generated 3-class tabular CSV of tribuo-interop's tests (its {@code GeneratedCsv} documents and re-checks how it
 * is made): 300 rows, columns {@code alpha, noise1, kind, gamma, beta, noise2}, label column {@code kind} with
 * {@code amber}, {@code blue}, {@code crimson} (100 each); the class's own feature (alpha, beta, gamma) is shifted by
 * 2.5, the noise columns carry no signal.
 */
public final class GeneratedCsv {
  /** The label column. */
  public static final String LABEL = "kind";
  private static final String RESOURCE = "/io/cohort/tribuo/generated-3class.csv";

  private GeneratedCsv() {}

  /** Copies the CSV into {@code dir} and returns its path. */
  public static Path copyTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("generated-3class.csv");
    try (InputStream in = GeneratedCsv.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("test resource " + RESOURCE + " is missing");
      }
      Files.copy(in, file);
    }
    return file;
  }
}
