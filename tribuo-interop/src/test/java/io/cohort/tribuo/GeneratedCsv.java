package io.cohort.tribuo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * The test CSV {@value #RESOURCE}: 300 rows of a generated 3-class tabular set (seed {@value #SEED}), committed so
 * that its bytes are fixed; {@code GeneratedCsvTest} checks that this generator still writes exactly them. The same
 * file is under simulation's test resources.
 *
 * <p>Columns, in file order: {@code alpha, noise1, kind, gamma, beta, noise2}; {@code kind} is the label ({@code
 * amber}, {@code blue}, {@code crimson}, 100 rows each, shuffled). Each feature is N(0, 1), plus 2.5 on the feature of
 * the row's class (amber: alpha, blue: beta, crimson: gamma); the two noise columns carry no signal. Values have two
 * decimals.
 */
final class GeneratedCsv {
  static final String RESOURCE = "generated-3class.csv";
  static final long SEED = 7;
  static final int ROWS = 300;
  static final String[] LABELS = {"amber", "blue", "crimson"};

  private GeneratedCsv() {}

  static String generate() {
    Random random = new Random(SEED);
    int[] classes = new int[ROWS];
    for (int i = 0; i < ROWS; i++) {
      classes[i] = i % 3;
    }
    for (int i = ROWS - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = classes[i];
      classes[i] = classes[j];
      classes[j] = t;
    }
    StringBuilder csv = new StringBuilder("alpha,noise1,kind,gamma,beta,noise2\n");
    for (int c : classes) {
      double alpha = random.nextGaussian() + (c == 0 ? 2.5 : 0);
      double beta = random.nextGaussian() + (c == 1 ? 2.5 : 0);
      double gamma = random.nextGaussian() + (c == 2 ? 2.5 : 0);
      double noise1 = random.nextGaussian();
      double noise2 = random.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%.2f,%.2f,%s,%.2f,%.2f,%.2f\n", alpha, noise1, LABELS[c], gamma, beta,
          noise2));
    }
    return csv.toString();
  }

  /** The committed file, copied to {@code dir}. */
  static Path copyTo(Path dir) throws IOException {
    Path file = dir.resolve(RESOURCE);
    try (var in = GeneratedCsv.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException("test resource " + RESOURCE + " is missing");
      }
      Files.copy(in, file);
    }
    return file;
  }

  /** Writes the file (run once to regenerate the resource). */
  public static void main(String[] args) throws IOException {
    Files.writeString(Path.of(args[0]), generate());
  }
}
