package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SCAFFOLD's gradient correction {@code c - c_i} in the ND4J trainer. */
class ScaffoldCorrectionTest {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(20), 4); // 84 parameters
  private static final LocalDataset DATA = TestData.prototypes(List.of(20), 4, 64, 0.4, 5);
  private static Nd4jTrainer trainer;

  @BeforeAll
  static void start() {
    trainer = new Nd4jTrainer();
  }

  @AfterAll
  static void stop() {
    trainer.close();
  }

  private static float[] correction() {
    float[] c = new float[MODEL.parameterCount()];
    for (int i = 0; i < c.length; i++) {
      c[i] = (i % 7 - 3) * 0.1f;
    }
    return c;
  }

  @Test
  void oneFullBatchStep_movesByLrTimesTheCorrectionMore() {
    // K = 1 (one epoch, one batch of all 64): y = x - lr (g + corr) = y_plain - lr * corr
    float[] x = MODEL.initialParameters(3);
    TrainingPlan plan = new TrainingPlan(1, 64, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9);
    assertThat(plan.localSteps(DATA.size())).isEqualTo(1);
    float[] plain = trainer.fit(MODEL, x, DATA, plan).parameters();
    float[] corr = correction();
    float[] corrected = trainer.fit(MODEL, x, DATA, plan, corr).parameters();
    for (int i = 0; i < x.length; i++) {
      assertThat((double) corrected[i]).as("parameter %d", i).isCloseTo(plain[i] - 0.05 * corr[i], within(1e-6));
    }
  }

  @Test
  void everyStepIsCorrected_kSteps() {
    // Four steps (2 epochs of 2 batches). The correction enters every step: with a correction the local model ends
    // K lr corr further than the path without it would, give or take how the gradients along the two paths differ.
    float[] x = MODEL.initialParameters(3);
    TrainingPlan plan = new TrainingPlan(2, 32, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9);
    assertThat(plan.localSteps(DATA.size())).isEqualTo(4);
    float[] plain = trainer.fit(MODEL, x, DATA, plan).parameters();
    float[] corr = correction();
    float[] corrected = trainer.fit(MODEL, x, DATA, plan, corr).parameters();
    double along = 0;
    double norm = 0;
    for (int i = 0; i < x.length; i++) {
      along += (plain[i] - corrected[i]) * (double) corr[i];
      norm += corr[i] * (double) corr[i];
    }
    // projection of (plain - corrected) on corr, in units of lr * |corr|^2: 4 steps' worth, within 10 %
    assertThat(along / (0.05 * norm)).isCloseTo(4, within(0.4));
  }

  @Test
  void nullCorrection_isPlainTraining_bitForBit() {
    float[] x = MODEL.initialParameters(3);
    TrainingPlan plan = new TrainingPlan(2, 16, 0.05, TrainingPlan.Optimizer.SGD, 0.9, 0, 9);
    assertThat(trainer.fit(MODEL, x, DATA, plan, null).parameters())
        .containsExactly(trainer.fit(MODEL, x, DATA, plan).parameters());
    // and a corrected fit does not leak its correction into the next plain one
    trainer.fit(MODEL, x, DATA, plan, correction());
    assertThat(trainer.fit(MODEL, x, DATA, plan).parameters())
        .containsExactly(trainer.fit(MODEL, x, DATA, plan, null).parameters());
  }

  @Test
  void correctionWithAdam_orOfTheWrongLength_isRefused() {
    float[] x = MODEL.initialParameters(3);
    assertThatThrownBy(() -> trainer.fit(MODEL, x, DATA,
        new TrainingPlan(1, 16, 0.001, TrainingPlan.Optimizer.ADAM, 0, 0, 9), correction()))
        .hasMessageContaining("needs SGD steps");
    assertThatThrownBy(() -> trainer.fit(MODEL, x, DATA,
        new TrainingPlan(1, 16, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9), new float[3]))
        .hasMessageContaining("84 parameters");
  }

  @Test
  void aTrainerWithoutSupport_refusesACorrection_butTakesNone() {
    LocalTrainer other = new LocalTrainer() {
      @Override
      public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
        return new FitOutcome(initial, data.size(), 0, 0);
      }

      @Override
      public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
        return new EvaluationOutcome(0, 0, 0);
      }

      @Override
      public void close() {}
    };
    TrainingPlan plan = new TrainingPlan(1, 16, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9);
    assertThat(other.fit(MODEL, new float[84], DATA, plan, null).numExamples()).isEqualTo(64);
    assertThatThrownBy(() -> other.fit(MODEL, new float[84], DATA, plan, correction()))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("SCAFFOLD");
  }
}
