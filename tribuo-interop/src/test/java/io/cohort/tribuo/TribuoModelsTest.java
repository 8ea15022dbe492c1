package io.cohort.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.oracle.labs.mlrg.olcut.util.Pair;
import io.cohort.protocol.model.Inference;
import io.cohort.protocol.model.ModelArchitecture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.impl.ArrayExample;

class TribuoModelsTest {
  static final List<String> FEATURES = List.of("alpha", "beta", "gamma", "noise1", "noise2");
  static final List<String> LABELS = List.of("amber", "blue", "crimson");

  @TempDir Path dir;

  /** Logistic regression that scores class c by 2 x (feature c): the generated CSV's true rule. */
  static float[] handSetLogreg() {
    ModelArchitecture model = ModelArchitecture.logreg(List.of(5), 3);
    float[] p = new float[model.parameterCount()]; // W [5, 3] row-major, then b [3]
    for (int c = 0; c < 3; c++) {
      p[c * 3 + c] = 2f;
    }
    return p;
  }

  @Test
  void predict_knownAnswer_isSoftmaxOfTheLogits() {
    // W = identity, b = 0, x = (1, 0): p = softmax(1, 0) = (e / (e + 1), 1 / (e + 1)).
    ModelArchitecture model = ModelArchitecture.logreg(List.of(2), 2);
    CohortModel m = TribuoModels.export(model, new float[] {1, 0, 0, 1, 0, 0}, List.of("x0", "x1"),
        List.of("yes", "no"));
    Prediction<Label> p = m.predict(new ArrayExample<>(new Label("yes"), new String[] {"x0"}, new double[] {1}));
    assertThat(p.getOutput().getLabel()).isEqualTo("yes");
    assertThat(p.getOutput().getScore()).isCloseTo(0.7310585786300049, within(1e-12));
    assertThat(p.getOutputScores().get("no").getScore()).isCloseTo(0.2689414213699951, within(1e-12));
    assertThat(p.hasProbabilities()).isTrue();
    assertThat(p.getNumActiveFeatures()).isEqualTo(1);
  }

  @Test
  void predict_mlp_equalsInferenceOnTheMappedRow() throws IOException {
    ModelArchitecture mlp = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(5), 3, List.of(7),
        List.of());
    float[] params = mlp.initialParameters(42);
    MutableDataset<Label> data = TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind");
    FeatureMapping mapping = FeatureMapping.of(data);
    CohortModel m = TribuoModels.export(mlp, params, mapping, data);
    Inference inference = new Inference(mlp, params);
    DenseExamples dense = TribuoData.toDense(data, mapping);
    List<Prediction<Label>> predictions = m.predict(data);
    for (int i = 0; i < dense.size(); i++) {
      double[] expected = inference.probabilities(dense.row(i));
      for (int c = 0; c < 3; c++) {
        assertThat(predictions.get(i).getOutputScores().get(LABELS.get(c)).getScore()).isEqualTo(expected[c]);
      }
      assertThat(predictions.get(i).getOutput().getLabel()).isEqualTo(LABELS.get(inference.predict(dense.row(i))));
    }
  }

  @Test
  void labelEvaluator_handSetRule_scoresWellAboveChance() throws IOException {
    MutableDataset<Label> data = TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind");
    CohortModel m = TribuoModels.export(ModelArchitecture.logreg(List.of(5), 3), handSetLogreg(), FEATURES, LABELS);
    LabelEvaluation evaluation = new LabelEvaluator().evaluate(m, data);
    assertThat(evaluation.accuracy()).isGreaterThan(0.85);
    assertThat(evaluation.getConfusionMatrix().getDomain().getDomain()).hasSize(3);
  }

  @Test
  void export_withReference_copiesItsStatisticsAndLabelCounts() throws IOException {
    MutableDataset<Label> data = TribuoData.readCsv(GeneratedCsv.copyTo(dir), "kind");
    CohortModel m = TribuoModels.export(ModelArchitecture.logreg(List.of(5), 3), handSetLogreg(),
        FeatureMapping.of(data), data);
    assertThat(m.getOutputIDInfo().getTotalObservations()).isEqualTo(300);
    assertThat(m.getFeatureIDMap().get("alpha").getCount()).isEqualTo(data.getFeatureMap().get("alpha").getCount());
    assertThat(m.getProvenance().toString()).contains("reference dataset of 300 examples");
  }

  @Test
  void export_withoutReference_hasUnitStatistics() {
    CohortModel m = TribuoModels.export(ModelArchitecture.logreg(List.of(5), 3), handSetLogreg(), FEATURES, LABELS);
    org.tribuo.RealInfo alpha = (org.tribuo.RealInfo) m.getFeatureIDMap().get("alpha");
    assertThat(alpha.getVariance()).isCloseTo(1.0, within(1e-12));
    assertThat(alpha.getMin()).isEqualTo(-3.0);
    assertThat(alpha.getMax()).isEqualTo(3.0);
    assertThat(alpha.getCount()).isEqualTo((int) m.getOutputIDInfo().getTotalObservations());
  }

  @Test
  void export_explicitOrder_mapsFeaturesByName() {
    // Features listed in reverse: position 0 is noise2. The model must still read "alpha" from the example by name.
    List<String> reversed = List.of("noise2", "noise1", "gamma", "beta", "alpha");
    ModelArchitecture model = ModelArchitecture.logreg(List.of(5), 3);
    float[] p = new float[model.parameterCount()];
    p[4 * 3] = 5f; // alpha (position 4) -> amber
    CohortModel m = TribuoModels.export(model, p, reversed, LABELS);
    Prediction<Label> pred = m.predict(new ArrayExample<>(new Label("amber"), new String[] {"alpha"},
        new double[] {1}));
    assertThat(pred.getOutput().getLabel()).isEqualTo("amber");
    assertThat(m.row(pred.getExample())).containsExactly(0f, 0f, 0f, 0f, 1f);
  }

  @Test
  void getTopFeatures_logreg_ranksByAbsoluteWeightPerLabel() {
    ModelArchitecture model = ModelArchitecture.logreg(List.of(5), 3);
    float[] p = handSetLogreg();
    p[3 * 3] = -3f; // noise1 -> amber, negative and larger than alpha's 2
    Map<String, List<Pair<String, Double>>> top = TribuoModels.export(model, p, FEATURES, LABELS).getTopFeatures(2);
    assertThat(top.get("amber")).extracting(Pair::getA).containsExactly("noise1", "alpha");
    assertThat(top.get("amber").get(0).getB()).isEqualTo(-3.0);
    assertThat(top.get("blue").get(0).getA()).isEqualTo("beta");
  }

  @Test
  void getTopFeatures_mlp_usesFirstLayerNormsForAllOutputs() {
    ModelArchitecture mlp = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(5), 3, List.of(2), List.of());
    float[] p = new float[mlp.parameterCount()]; // dense0/W [5, 2] first
    p[2 * 2] = 3f; // gamma
    p[2 * 2 + 1] = 4f; // gamma: norm 5
    p[0] = 1f; // alpha: norm 1
    List<Pair<String, Double>> top = TribuoModels.export(mlp, p, FEATURES, LABELS).getTopFeatures(-1)
        .get(Model.ALL_OUTPUTS);
    assertThat(top).hasSize(5);
    assertThat(top.get(0).getA()).isEqualTo("gamma");
    assertThat(top.get(0).getB()).isCloseTo(5.0, within(1e-12));
    assertThat(top.get(1).getA()).isEqualTo("alpha");
  }

  @Test
  void export_sizeMismatch_throws() {
    ModelArchitecture model = ModelArchitecture.logreg(List.of(4), 3);
    assertThatThrownBy(() -> TribuoModels.export(model, new float[model.parameterCount()], FEATURES, LABELS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes 4 features");
    ModelArchitecture two = ModelArchitecture.logreg(List.of(5), 2);
    assertThatThrownBy(() -> TribuoModels.export(two, new float[two.parameterCount()], FEATURES, LABELS))
        .hasMessageContaining("has 2 classes");
    ModelArchitecture ok = ModelArchitecture.logreg(List.of(5), 3);
    assertThatThrownBy(() -> TribuoModels.export(ok, new float[3], FEATURES, LABELS))
        .hasMessageContaining("parameters");
  }

  @Test
  void export_copiesParameters_laterChangesDoNotLeakIn() {
    float[] p = handSetLogreg();
    CohortModel m = TribuoModels.export(ModelArchitecture.logreg(List.of(5), 3), p, FEATURES, LABELS);
    p[0] = 100f;
    assertThat(m.parameters()[0]).isEqualTo(2f);
    assertThat(m.getProvenance().toString()).contains(TribuoModels.sha256(handSetLogreg()));
  }

  @Test
  void javaSerialization_roundTrip_predictsTheSame() throws Exception {
    ModelArchitecture mlp = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(5), 3, List.of(4), List.of());
    CohortModel m = TribuoModels.export(mlp, mlp.initialParameters(3), FEATURES, LABELS);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(m);
    }
    CohortModel back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (CohortModel) in.readObject();
    }
    ArrayExample<Label> e = m.mapping().example(new float[] {0.5f, -1f, 2f, 0f, 3f});
    assertThat(back.architecture()).isEqualTo(mlp);
    assertThat(back.predict(e).getOutputScores().get("blue").getScore())
        .isEqualTo(m.predict(e).getOutputScores().get("blue").getScore());
  }

  @Test
  void copy_keepsPredictions() {
    CohortModel m = TribuoModels.export(ModelArchitecture.logreg(List.of(5), 3), handSetLogreg(), FEATURES, LABELS);
    Model<Label> copy = m.copy();
    ArrayExample<Label> e = m.mapping().example(new float[] {0f, 2f, 0f, 0f, 0f});
    assertThat(copy.predict(e).getOutput().getLabel()).isEqualTo("blue");
    assertThat(copy.predict(e).getOutput().getScore()).isEqualTo(m.predict(e).getOutput().getScore());
  }
}
