package io.cohort.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.model.ModelArchitecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;

class TribuoExplanationsTest {
  private static final ModelArchitecture LOGREG = ModelArchitecture.logreg(List.of(5), 3);

  @TempDir Path dir;

  @Test
  void explain_handSetRule_namesTheFeaturesTheRuleUses() throws IOException {
    MutableDataset<Label> data = TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind");
    CohortModel m = TribuoModels.export(LOGREG, TribuoModelsTest.handSetLogreg(), FeatureMapping.of(data), data);
    ArrayExample<Label> amber = m.mapping().example(new float[] {2.5f, 0.1f, -0.2f, 0.4f, -0.3f});
    TopFeatures top = TribuoExplanations.explain(m, amber, 3, 11);
    assertThat(top.label()).isEqualTo("amber");
    assertThat(top.probability()).isGreaterThan(0.9);
    assertThat(top.features()).hasSizeBetween(1, 3);
    // The rule's amber score rises with alpha: LIME puts alpha first, with a positive weight; noise never enters.
    assertThat(top.features().get(0).feature()).isEqualTo("alpha");
    assertThat(top.features().get(0).weight()).isPositive();
    assertThat(top.features()).extracting(FeatureWeight::feature).doesNotContain("noise1", "noise2");
    assertThat(top.surrogateRmse()).isFinite().isLessThan(0.3);
  }

  @Test
  void explain_sameSeed_sameExplanation() {
    CohortModel m = TribuoModels.export(LOGREG, TribuoModelsTest.handSetLogreg(), TribuoModelsTest.FEATURES,
        TribuoModelsTest.LABELS);
    ArrayExample<Label> blue = m.mapping().example(new float[] {0f, 2f, 0.3f, 1f, -1f});
    TopFeatures a = TribuoExplanations.explain(m, blue, 2, 5, 300);
    TopFeatures b = TribuoExplanations.explain(m, blue, 2, 5, 300);
    assertThat(a).isEqualTo(b);
    assertThat(a.features()).hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void topFeatures_fromArchitectureAndRow_explainsThePredictedLabel() {
    float[] row = {0f, 0.2f, 2.8f, 0.5f, 0.5f};
    TopFeatures top = TribuoExplanations.topFeatures(LOGREG, TribuoModelsTest.handSetLogreg(), row,
        TribuoModelsTest.FEATURES, TribuoModelsTest.LABELS, 2, 1);
    assertThat(top.label()).isEqualTo("crimson");
    assertThat(top.features()).isNotEmpty().hasSizeLessThanOrEqualTo(2);
    assertThat(top.features().get(0).feature()).isEqualTo("gamma");
    assertThat(top.features().get(0).weight()).isPositive();
  }

  @Test
  void topFeatures_mlp_givesAtMostKFeatures() {
    ModelArchitecture mlp = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(5), 3, List.of(8), List.of());
    TopFeatures top = TribuoExplanations.topFeatures(mlp, mlp.initialParameters(9), new float[] {1, 2, 3, 4, 5},
        TribuoModelsTest.FEATURES, TribuoModelsTest.LABELS, 3, 2);
    assertThat(top.features()).hasSizeLessThanOrEqualTo(3);
    assertThat(TribuoModelsTest.LABELS).contains(top.label());
  }

  @Test
  void explain_badArguments_throw() {
    CohortModel m = TribuoModels.export(LOGREG, TribuoModelsTest.handSetLogreg(), TribuoModelsTest.FEATURES,
        TribuoModelsTest.LABELS);
    ArrayExample<Label> e = m.mapping().example(new float[5]);
    assertThatThrownBy(() -> TribuoExplanations.explain(m, e, 0)).hasMessageContaining("k must be at least 1");
    assertThatThrownBy(() -> TribuoExplanations.explain(m, e, 2, 1, 5)).hasMessageContaining("samples");
    assertThatThrownBy(() -> TribuoExplanations.topFeatures(LOGREG, TribuoModelsTest.handSetLogreg(),
        new float[] {Float.NaN, 0, 0, 0, 0}, TribuoModelsTest.FEATURES, TribuoModelsTest.LABELS, 2, 1))
        .hasMessageContaining("not finite");
  }
}
