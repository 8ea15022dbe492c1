package io.cohort.client;

import io.cohort.tribuo.DenseExamples;
import io.cohort.tribuo.FeatureMapping;
import io.cohort.tribuo.TribuoData;
import java.util.List;
import java.util.Objects;
import org.tribuo.Example;
import org.tribuo.classification.Label;

/**
 * A client's local data from Tribuo: a {@code Dataset<Label>} or {@code DataSource<Label>} (for example a CSV read with
 * {@link TribuoData#readCsv(java.nio.file.Path, String)}), so an application federates its tabular data without
 * conversion code.
 *
 * <p>Each example becomes one flat row of {@link FeatureMapping#featureCount()} values and a class index, exactly as
 * {@link FeatureMapping} documents: row position {@code i} is feature {@code mapping.featureNames().get(i)} (0 when
 * the example lacks it; features the mapping does not name are ignored), and class index {@code c} is label {@code
 * mapping.labelNames().get(c)}. The coordinator's model must take input shape {@code [featureCount()]} and {@code
 * classCount()} classes, and <b>every client of the federation must use the same mapping</b>: agree on it up front, for
 * example {@link FeatureMapping#of(List, List)} with the schema's column and label names, rather than deriving it
 * from each client's own data ({@link FeatureMapping#of(org.tribuo.Dataset)}), whose label domain may lack a class
 * that a client happens not to hold.
 *
 * <p>The examples are converted once, when the source is made, so a bad example (a label outside the mapping, a
 * non-finite value) fails here with a message naming it, not in the middle of a round. Immutable and thread-safe.
 */
public final class TribuoDatasetSource implements DatasetSource {
  private final FeatureMapping mapping;
  private final LocalDataset train;
  private final LocalDataset evaluation;

  private TribuoDatasetSource(FeatureMapping mapping, LocalDataset train, LocalDataset evaluation) {
    this.mapping = mapping;
    this.train = train;
    this.evaluation = evaluation;
  }

  /**
   * Training and held-out evaluation examples under {@code mapping}.
   *
   * @param train the examples to train on (a Tribuo {@code Dataset} or {@code DataSource}); at least one
   * @param evaluation the examples for federated evaluation; at least one
   * @throws IllegalArgumentException if either is empty, or an example is unlabelled, has a label outside the mapping
   *     or a non-finite feature value
   */
  public static TribuoDatasetSource of(Iterable<? extends Example<Label>> train,
      Iterable<? extends Example<Label>> evaluation, FeatureMapping mapping) {
    Objects.requireNonNull(mapping, "mapping");
    return new TribuoDatasetSource(mapping, convert(train, mapping, "training"),
        convert(evaluation, mapping, "evaluation"));
  }

  /** The same examples for training and evaluation; see {@link #of(Iterable, Iterable, FeatureMapping)}. */
  public static TribuoDatasetSource of(Iterable<? extends Example<Label>> examples, FeatureMapping mapping) {
    Objects.requireNonNull(mapping, "mapping");
    LocalDataset all = convert(examples, mapping, "training");
    return new TribuoDatasetSource(mapping, all, all);
  }

  private static LocalDataset convert(Iterable<? extends Example<Label>> examples, FeatureMapping mapping,
      String what) {
    Objects.requireNonNull(examples, what + " examples");
    DenseExamples dense;
    try {
      dense = TribuoData.toDense(examples, mapping);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " data: " + e.getMessage(), e);
    }
    if (dense.size() == 0) {
      throw new IllegalArgumentException("the " + what + " data has no examples");
    }
    return LocalDataset.of(dense.features(), dense.labels(), List.of(mapping.featureCount()),
        mapping.classCount());
  }

  /** The mapping the rows follow. */
  public FeatureMapping mapping() {
    return mapping;
  }

  @Override
  public LocalDataset load() {
    return train;
  }

  @Override
  public LocalDataset loadEvaluation() {
    return evaluation;
  }
}
