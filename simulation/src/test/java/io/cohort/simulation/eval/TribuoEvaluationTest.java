package io.cohort.simulation.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TribuoEvaluationTest {
  private static final List<String> ABC = List.of("a", "b", "c");
  // confusion (rows true, columns predicted): a: [2 1 0], b: [0 2 1], c: [0 0 2]
  private static final int[] TRUE = {0, 0, 0, 1, 1, 1, 2, 2};
  private static final int[] PRED = {0, 0, 1, 1, 1, 2, 2, 2};

  @Test
  void evaluate_threeClassesEightPredictions_matchesHandComputedValues() {
    EvaluationResult r = new TribuoEvaluation(ABC).evaluate(TRUE, PRED);

    assertThat(r.examples()).isEqualTo(8);
    assertThat(r.accuracy()).isCloseTo(6.0 / 8, within(1e-12));
    assertThat(r.confusionMatrix()).isDeepEqualTo(new int[][] {{2, 1, 0}, {0, 2, 1}, {0, 0, 2}});
    // a: tp 2 fp 0 fn 1; b: tp 2 fp 1 fn 1; c: tp 2 fp 1 fn 0
    assertClass(r.perClass().get(0), "a", 3, 1.0, 2.0 / 3, 0.8);
    assertClass(r.perClass().get(1), "b", 3, 2.0 / 3, 2.0 / 3, 2.0 / 3);
    assertClass(r.perClass().get(2), "c", 2, 2.0 / 3, 1.0, 0.8);
    assertThat(r.macroF1()).isCloseTo(34.0 / 45, within(1e-12));
    assertThat(r.macroPrecision()).isCloseTo(7.0 / 9, within(1e-12));
    assertThat(r.macroRecall()).isCloseTo(7.0 / 9, within(1e-12));
    assertThat(r.macroAucRoc()).isNull();
    assertThat(r.logLoss()).isNull();
  }

  @Test
  void evaluate_classNeverSeen_countsAsZeroInMacroAverage() {
    EvaluationResult r = new TribuoEvaluation(List.of("a", "b", "c", "d")).evaluate(TRUE, PRED);
    ClassMetrics d = r.perClass().get(3);
    assertThat(d.support()).isZero();
    assertThat(d.precision()).isZero();
    assertThat(d.recall()).isZero();
    assertThat(d.f1()).isZero();
    assertThat(r.macroF1()).isCloseTo((0.8 + 2.0 / 3 + 0.8) / 4, within(1e-12));
    assertThat(r.confusionMatrix()[3]).containsExactly(0, 0, 0, 0);
  }

  @Test
  void evaluate_withProbabilities_addsAucAndLogLoss() {
    // each row puts 0.7 on the predicted class and 0.15 on the others
    float[] probs = new float[TRUE.length * 3];
    for (int i = 0; i < TRUE.length; i++) {
      for (int c = 0; c < 3; c++) {
        probs[i * 3 + c] = c == PRED[i] ? 0.7f : 0.15f;
      }
    }
    EvaluationResult r = new TribuoEvaluation(ABC).evaluate(TRUE, PRED, probs);

    double expectedLogLoss = -(6 * Math.log(0.7f) + 2 * Math.log(0.15f)) / 8;
    assertThat(r.logLoss()).isCloseTo(expectedLogLoss, within(1e-9));
    // class a: positives score 0.7, 0.7, 0.15; negatives 0.15 x5 -> AUC = (2*5 + 0.5*5) / 15
    assertThat(r.perClass().get(0).aucRoc()).isCloseTo(12.5 / 15, within(1e-12));
    assertThat(r.macroAucRoc()).isBetween(0.0, 1.0);
    assertThat(r.accuracy()).isCloseTo(0.75, within(1e-12));
  }

  @Test
  void evaluate_perfectProbabilities_giveAucOne() {
    float[] probs = new float[TRUE.length * 3];
    for (int i = 0; i < TRUE.length; i++) {
      probs[i * 3 + TRUE[i]] = 1f;
    }
    EvaluationResult r = new TribuoEvaluation(ABC).evaluate(TRUE, TRUE, probs);
    assertThat(r.macroAucRoc()).isEqualTo(1.0);
    assertThat(r.logLoss()).isCloseTo(0.0, within(1e-12));
    assertThat(r.macroF1()).isEqualTo(1.0);
  }

  @Test
  void evaluate_badInput_failsWithPreciseMessage() {
    TribuoEvaluation e = new TribuoEvaluation(ABC);
    assertThatThrownBy(() -> e.evaluate(new int[0], new int[0])).hasMessageContaining("no predictions");
    assertThatThrownBy(() -> e.evaluate(TRUE, new int[3])).hasMessageContaining("8 true labels but 3 predictions");
    assertThatThrownBy(() -> e.evaluate(new int[] {0, 3}, new int[] {0, 0}))
        .hasMessageContaining("true label 3 of example 1 is outside [0, 3)");
    assertThatThrownBy(() -> e.evaluate(new int[] {0}, new int[] {-1}))
        .hasMessageContaining("predicted label -1 of example 0");
    assertThatThrownBy(() -> e.evaluate(TRUE, PRED, new float[5]))
        .hasMessageContaining("8 x 3 = 24 values, got 5");
    assertThatThrownBy(() -> new TribuoEvaluation(List.of("a", "a")))
        .hasMessageContaining("distinct");
  }

  @Test
  void toString_printsTableAndConfusionMatrix() {
    String table = new TribuoEvaluation(ABC).evaluate(TRUE, PRED).toString();
    assertThat(table).contains("accuracy 0.7500", "macro-F1 0.7556", "(8 examples)");
    assertThat(table).containsPattern("a\\s+3\\s+1\\.0000\\s+0\\.6667\\s+0\\.8000");
    assertThat(table).contains("confusion matrix (rows: true class, columns: predicted class)");
    assertThat(table).containsPattern("0 a\\s+2\\s+1\\s+0");
  }

  @Test
  void evaluate_tenThousandPredictions_takesWellUnderASecond() {
    List<String> names = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot");
    int n = 10_000;
    SplittableRandom rng = new SplittableRandom(5);
    int[] truth = new int[n];
    int[] pred = new int[n];
    float[] probs = new float[n * 10];
    for (int i = 0; i < n; i++) {
      truth[i] = i % 10;
      pred[i] = rng.nextDouble() < 0.85 ? truth[i] : rng.nextInt(10);
      float rest = 0.3f / 9;
      for (int c = 0; c < 10; c++) {
        probs[i * 10 + c] = c == pred[i] ? 0.7f : rest;
      }
    }
    TribuoEvaluation evaluation = new TribuoEvaluation(names);
    long t0 = System.nanoTime();
    EvaluationResult cold = evaluation.evaluate(truth, pred, probs);
    long cold1 = System.nanoTime() - t0;
    for (int i = 0; i < 5; i++) {
      evaluation.evaluate(truth, pred);
      evaluation.evaluate(truth, pred, probs);
    }
    t0 = System.nanoTime();
    evaluation.evaluate(truth, pred);
    long warmHard = System.nanoTime() - t0;
    t0 = System.nanoTime();
    evaluation.evaluate(truth, pred, probs);
    long warmProbs = System.nanoTime() - t0;
    System.out.printf("TribuoEvaluation, 10,000 predictions: first call with probabilities %.1f ms; warm: %.1f ms"
        + " labels only, %.1f ms with probabilities%n", cold1 / 1e6, warmHard / 1e6, warmProbs / 1e6);
    assertThat(cold.accuracy()).isBetween(0.84, 0.88);
    assertThat(cold1 / 1e6).isLessThan(1000);
    assertThat(warmProbs / 1e6).isLessThan(250);
  }

  private static void assertClass(ClassMetrics m, String name, int support, double p, double r, double f1) {
    assertThat(m.name()).isEqualTo(name);
    assertThat(m.support()).isEqualTo(support);
    assertThat(m.precision()).isCloseTo(p, within(1e-12));
    assertThat(m.recall()).isCloseTo(r, within(1e-12));
    assertThat(m.f1()).isCloseTo(f1, within(1e-12));
  }
}
