package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.tribuo.FeatureMapping;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

class TribuoDatasetSourceTest {
  private static final LabelFactory LABELS = new LabelFactory();
  private static final FeatureMapping MAPPING = FeatureMapping.of(List.of("age", "income", "tenure"),
      List.of("churn", "stay"));

  private static MutableDataset<Label> data(String... rows) {
    MutableDataset<Label> d = new MutableDataset<>(new SimpleDataSourceProvenance("test", LABELS), LABELS);
    for (String row : rows) {
      String[] parts = row.split(" ");
      String[] names = new String[parts.length - 1];
      double[] values = new double[parts.length - 1];
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].split("=");
        names[i - 1] = kv[0];
        values[i - 1] = Double.parseDouble(kv[1]);
      }
      d.add(new ArrayExample<>(new Label(parts[0]), names, values));
    }
    return d;
  }

  @Test
  void load_rowsFollowTheMapping() {
    TribuoDatasetSource source = TribuoDatasetSource.of(
        data("stay tenure=4 age=30 income=2.5", "churn age=51 other=9"), data("churn income=1"), MAPPING);
    LocalDataset train = source.load();
    assertThat(train.size()).isEqualTo(2);
    assertThat(train.exampleShape()).containsExactly(3);
    assertThat(train.numClasses()).isEqualTo(2);
    float[] rows = new float[6];
    train.copyFeatures(0, rows, 0);
    train.copyFeatures(1, rows, 3);
    // age, income, tenure; a missing feature is 0 and "other" is not in the mapping.
    assertThat(rows).containsExactly(30f, 2.5f, 4f, 51f, 0f, 0f);
    assertThat(train.label(0)).isEqualTo(1);
    assertThat(train.label(1)).isZero();
    LocalDataset evaluation = source.loadEvaluation();
    assertThat(evaluation.size()).isEqualTo(1);
    assertThat(evaluation.label(0)).isZero();
    assertThat(source.mapping()).isEqualTo(MAPPING);
  }

  @Test
  void of_singleDataset_evaluatesOnTheTrainingExamples() {
    TribuoDatasetSource source = TribuoDatasetSource.of(data("stay age=1", "churn age=2"), MAPPING);
    assertThat(source.loadEvaluation()).isSameAs(source.load());
  }

  @Test
  void of_labelOutsideMapping_failsAtOnceNamingIt() {
    assertThatThrownBy(() -> TribuoDatasetSource.of(data("stay age=1", "maybe age=2"), data("stay age=1"),
        MAPPING)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("training data: example 1: label 'maybe' is not one of the mapping's 2 labels");
  }

  @Test
  void of_emptyEvaluation_throws() {
    assertThatThrownBy(() -> TribuoDatasetSource.of(data("stay age=1"), data(), MAPPING))
        .hasMessageContaining("the evaluation data has no examples");
  }
}
