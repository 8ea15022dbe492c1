package io.cohort.tribuo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tribuo.DataSource;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.data.csv.CSVLoader;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Tribuo data to and from Cohort's dense arrays, under the documented {@link FeatureMapping}.
 *
 * <p>A CSV ({@link #readCsv(Path, String)}) is read by Tribuo's {@code CSVLoader}: the first line is the header, the
 * label column is named, and every other column is a numeric feature named by its header (a value that is not a
 * number fails the read). The dense form then follows {@link FeatureMapping#of(Dataset)}: features and labels sorted by
 * name.
 *
 * <p>Stateless; every method is thread-safe as long as its arguments are not changed meanwhile.
 */
public final class TribuoData {
  private static final LabelFactory LABELS = new LabelFactory();

  private TribuoData() {}

  /**
   * Reads a CSV file with Tribuo's {@code CSVLoader} into a dataset.
   *
   * @param csv a comma-separated file with a header line
   * @param labelColumn the header of the label column
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be read, or Tribuo cannot parse it (the message says which)
   * @throws IllegalArgumentException if the header has no column {@code labelColumn}
   */
  public static MutableDataset<Label> readCsv(Path csv, String labelColumn) throws IOException {
    Objects.requireNonNull(csv, "csv");
    Objects.requireNonNull(labelColumn, "labelColumn");
    if (!Files.isRegularFile(csv)) {
      throw new NoSuchFileException(csv.toString(), null, "no such CSV file");
    }
    try {
      return new CSVLoader<>(LABELS).load(csv, labelColumn);
    } catch (NumberFormatException e) {
      throw new IOException(csv + ": a feature cell is not a number (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException e) {
      throw e; // Tribuo's "Response X not found in file F"
    } catch (RuntimeException e) {
      // Tribuo reports a bad cell as an unchecked exception; to the caller it is bad input in a file.
      throw new IOException(csv + ": " + e.getMessage(), e);
    }
  }

  /** The dense form of a dataset under its own mapping ({@link FeatureMapping#of(Dataset)}). */
  public static DenseExamples toDense(Dataset<Label> dataset) {
    return toDense(dataset, FeatureMapping.of(dataset));
  }

  /**
   * The dense form of a data source under its own mapping: its examples are collected into a dataset first.
   */
  public static DenseExamples toDense(DataSource<Label> source) {
    return toDense(new MutableDataset<>(source));
  }

  /**
   * The dense form of labelled examples (a {@code Dataset}, a {@code DataSource} or any iterable) under a mapping.
   *
   * @throws IllegalArgumentException if an example is unlabelled, has a label outside the mapping, or has a
   *     non-finite value of a mapped feature (the message names the example's position)
   */
  public static DenseExamples toDense(Iterable<? extends Example<Label>> examples, FeatureMapping mapping) {
    Objects.requireNonNull(examples, "examples");
    Objects.requireNonNull(mapping, "mapping");
    List<float[]> rows = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    int i = 0;
    for (Example<Label> example : examples) {
      try {
        labels.add(mapping.classOf(example));
        rows.add(mapping.row(example));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("example " + i + ": " + e.getMessage(), e);
      }
      i++;
    }
    int n = mapping.featureCount();
    float[] x = new float[rows.size() * n];
    int[] y = new int[rows.size()];
    for (int r = 0; r < y.length; r++) {
      System.arraycopy(rows.get(r), 0, x, r * n, n);
      y[r] = labels.get(r);
    }
    return new DenseExamples(x, y, mapping);
  }

  /** Dense rows back into a Tribuo dataset: each row an example with every mapped feature and its label. */
  public static MutableDataset<Label> toDataset(DenseExamples data) {
    MutableDataset<Label> dataset = new MutableDataset<>(
        new SimpleDataSourceProvenance("Cohort dense examples", LABELS), LABELS);
    for (int i = 0; i < data.size(); i++) {
      dataset.add(data.mapping().example(data.row(i), data.labels()[i]));
    }
    return dataset;
  }
}
