package io.cohort.simulation.data;

import io.cohort.tribuo.DenseExamples;
import io.cohort.tribuo.FeatureMapping;
import io.cohort.tribuo.TribuoData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A tabular CSV as simulation data ({@code cohort simulate --data csv:PATH --label COLUMN}): read by Tribuo's {@code
 * CSVLoader} ({@link TribuoData#readCsv(Path, String)}), turned into flat rows under {@link FeatureMapping#of(
 * org.tribuo.Dataset)} (every column but the label is a numeric feature; features and labels sorted by name; a
 * label's class index is its position in that order), then split by a seeded shuffle into a training part and a
 * held-out test part for central evaluation. Values are used as they are: standardise them beforehand where their
 * scales differ widely.
 *
 * @param data the training and test splits, with the label names as class names and the CSV as source
 * @param mapping the feature and label order of the rows
 */
public record CsvData(FashionMnistData data, FeatureMapping mapping) {
  /** Share of the rows held out for central evaluation. */
  public static final double TEST_FRACTION = 0.2;

  /** Checks the parts. */
  public CsvData {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(mapping, "mapping");
  }

  /**
   * Reads and splits a CSV: {@link #TEST_FRACTION} of the rows (at least one) are held out, chosen by a shuffle seeded
   * with {@code seed}.
   *
   * @throws IOException if the file cannot be read or a feature cell is not a number
   * @throws IllegalArgumentException if the label column is missing, or there are fewer than 2 rows or labels
   */
  public static CsvData load(Path csv, String labelColumn, long seed) throws IOException {
    DenseExamples all = TribuoData.toDense(TribuoData.readCsv(csv, labelColumn));
    int n = all.size();
    if (n < 2) {
      throw new IllegalArgumentException(csv + " has " + n + " data rows; a training and a test part need 2 or more");
    }
    int[] order = new int[n];
    Arrays.setAll(order, i -> i);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int test = Math.min(n - 1, Math.max(1, (int) Math.round(n * TEST_FRACTION)));
    FeatureMapping mapping = all.mapping();
    return new CsvData(new FashionMnistData(
        images(all.select(Arrays.copyOfRange(order, test, n))),
        images(all.select(Arrays.copyOfRange(order, 0, test))),
        mapping.labelNames(), csv), mapping);
  }

  private static LabeledImages images(DenseExamples part) {
    return new LabeledImages(part.features(), part.labels(), List.of(part.mapping().featureCount()),
        part.mapping().classCount());
  }
}
