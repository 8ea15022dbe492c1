package io.cohort.tribuo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.VariableInfo;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;

/**
 * How Tribuo examples become Cohort's dense rows and class indices, and back. Every client of a federation and every
 * export of its model must use the same mapping: the model's input size is {@link #featureCount()} and its class count
 * is {@link #classCount()}.
 *
 * <p>The mapping, exactly:
 * <ul>
 *   <li><b>Features.</b> Row position {@code i} holds the feature named {@code featureNames().get(i)}. From a dataset
 *       ({@link #of(Dataset)}) the names are those of its {@code FeatureMap} sorted by {@link String#compareTo}, which
 *       is also the order of Tribuo's own feature ids; an explicit list ({@link #of(List, List)}) keeps its order.
 *       A mapped feature that an example lacks is 0 (Tribuo's sparse convention); a feature that the mapping does not
 *       name is ignored, as Tribuo's models ignore features outside their domain.
 *   <li><b>Labels.</b> Class index {@code c} is the label named {@code labelNames().get(c)}. From a dataset the names
 *       are its label domain sorted by {@link String#compareTo} (so "10" sorts before "2"); an explicit list keeps its
 *       order. A label outside the mapping is an {@link IllegalArgumentException} that names it, never a silent
 *       guess.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class FeatureMapping {
  private final List<String> featureNames;
  private final List<String> labelNames;
  private final Map<String, Integer> featureIndex;
  private final Map<String, Integer> labelIndex;

  private FeatureMapping(List<String> featureNames, List<String> labelNames) {
    this.featureNames = List.copyOf(featureNames);
    this.labelNames = List.copyOf(labelNames);
    this.featureIndex = index(this.featureNames, "feature");
    this.labelIndex = index(this.labelNames, "label");
    if (this.featureNames.isEmpty()) {
      throw new IllegalArgumentException("a mapping needs at least one feature");
    }
    if (this.labelNames.size() < 2) {
      throw new IllegalArgumentException("a mapping needs at least 2 labels, got " + this.labelNames);
    }
  }

  /**
   * An explicit mapping, in the given orders.
   *
   * @param featureNames the feature at each row position; distinct, non-blank
   * @param labelNames the label of each class index; at least 2, distinct, non-blank
   * @throws IllegalArgumentException if a list is too short or holds a duplicate or blank name
   */
  public static FeatureMapping of(List<String> featureNames, List<String> labelNames) {
    return new FeatureMapping(Objects.requireNonNull(featureNames, "featureNames"),
        Objects.requireNonNull(labelNames, "labelNames"));
  }

  /**
   * The mapping of a dataset: its feature names and its label domain, each sorted by name.
   *
   * @throws IllegalArgumentException if the dataset has no features or fewer than 2 labels
   */
  public static FeatureMapping of(Dataset<Label> dataset) {
    Objects.requireNonNull(dataset, "dataset");
    List<String> features = new ArrayList<>();
    for (VariableInfo info : dataset.getFeatureMap()) {
      features.add(info.getName());
    }
    List<String> labels = new ArrayList<>();
    for (Label label : dataset.getOutputInfo().getDomain()) {
      labels.add(label.getLabel());
    }
    features.sort(null);
    labels.sort(null);
    return new FeatureMapping(features, labels);
  }

  /** The feature at each row position. */
  public List<String> featureNames() {
    return featureNames;
  }

  /** The label of each class index. */
  public List<String> labelNames() {
    return labelNames;
  }

  /** Values per row: the model's input size. */
  public int featureCount() {
    return featureNames.size();
  }

  /** Number of classes: the model's output size. */
  public int classCount() {
    return labelNames.size();
  }

  /** The row position of a feature, or -1 if the mapping does not name it. */
  public int featureIndex(String name) {
    Integer i = featureIndex.get(name);
    return i == null ? -1 : i;
  }

  /**
   * The class index of a label.
   *
   * @throws IllegalArgumentException if the mapping does not name it
   */
  public int labelIndex(String name) {
    Integer c = labelIndex.get(name);
    if (c == null) {
      throw new IllegalArgumentException("label '" + name + "' is not one of the mapping's " + classCount()
          + " labels " + abbreviated(labelNames));
    }
    return c;
  }

  /**
   * The dense row of an example: mapped features at their positions, 0 where absent, unmapped features ignored.
   *
   * @throws IllegalArgumentException if a mapped feature's value is not finite
   */
  public float[] row(Example<?> example) {
    float[] row = new float[featureCount()];
    for (Feature f : example) {
      Integer i = featureIndex.get(f.getName());
      if (i != null) {
        double v = f.getValue();
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("feature '" + f.getName() + "' is not finite: " + v);
        }
        row[i] = (float) v;
      }
    }
    return row;
  }

  /**
   * The class index of an example's label.
   *
   * @throws IllegalArgumentException if the example is unlabelled or its label is not in the mapping
   */
  public int classOf(Example<Label> example) {
    Label label = example.getOutput();
    if (label == null || LabelFactory.UNKNOWN_LABEL.equals(label)) {
      throw new IllegalArgumentException("an unlabelled example cannot be mapped to a class");
    }
    return labelIndex(label.getLabel());
  }

  /**
   * A Tribuo example of a dense row, unlabelled ({@link LabelFactory#UNKNOWN_LABEL}), for prediction.
   *
   * @throws IllegalArgumentException if the row does not have {@link #featureCount()} values
   */
  public ArrayExample<Label> example(float[] row) {
    return example(row, LabelFactory.UNKNOWN_LABEL);
  }

  /**
   * A Tribuo example of a dense row with the label of class {@code classIndex}.
   *
   * @throws IllegalArgumentException if the row has the wrong length
   * @throws IndexOutOfBoundsException if {@code classIndex} is outside {@code [0, classCount())}
   */
  public ArrayExample<Label> example(float[] row, int classIndex) {
    return example(row, new Label(labelNames.get(Objects.checkIndex(classIndex, classCount()))));
  }

  private ArrayExample<Label> example(float[] row, Label label) {
    if (row.length != featureCount()) {
      throw new IllegalArgumentException("a row of this mapping has " + featureCount() + " values, got "
          + row.length);
    }
    double[] values = new double[row.length];
    for (int i = 0; i < row.length; i++) {
      values[i] = row[i];
    }
    return new ArrayExample<>(label, featureNames.toArray(new String[0]), values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureMapping m && featureNames.equals(m.featureNames) && labelNames.equals(m.labelNames);
  }

  @Override
  public int hashCode() {
    return Objects.hash(featureNames, labelNames);
  }

  @Override
  public String toString() {
    return "FeatureMapping(" + featureCount() + " features " + abbreviated(featureNames) + ", " + classCount()
        + " labels " + abbreviated(labelNames) + ")";
  }

  private static Map<String, Integer> index(List<String> names, String what) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (name.isBlank()) {
        throw new IllegalArgumentException(what + " name " + i + " is blank");
      }
      if (index.putIfAbsent(name, i) != null) {
        throw new IllegalArgumentException("duplicate " + what + " name '" + name + "'");
      }
    }
    return Map.copyOf(index);
  }

  private static String abbreviated(List<String> names) {
    return names.size() <= 10 ? names.toString()
        : Arrays.toString(names.subList(0, 10).toArray()).replace("]", ", ...]");
  }
}
