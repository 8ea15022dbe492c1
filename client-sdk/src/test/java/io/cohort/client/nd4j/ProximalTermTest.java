package io.cohort.client.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.client.LocalDataset;
import io.cohort.client.TrainingPlan;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FedProx's proximal term in the ND4J trainer. */
class ProximalTermTest {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(20), 4);
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

  private static double distanceMoved(double mu) {
    float[] start = MODEL.initialParameters(3);
    TrainingPlan plan = new TrainingPlan(3, 8, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9, mu);
    float[] trained = trainer.fit(MODEL, start, DATA, plan).parameters();
    double sum = 0;
    for (int i = 0; i < start.length; i++) {
      sum += Math.pow(trained[i] - start[i], 2);
    }
    return Math.sqrt(sum);
  }

  @Test
  void largerMu_keepsTheLocalModelCloserToTheRoundsStart() {
    double free = distanceMoved(0);
    double some = distanceMoved(1);
    double strong = distanceMoved(10);
    assertThat(some).isLessThan(free);
    assertThat(strong).isLessThan(some);
  }

  @Test
  void tinyMu_isPlainLocalTraining_withinRounding() {
    assertThat(distanceMoved(1e-9)).isCloseTo(distanceMoved(0), within(1e-5));
  }

  @Test
  void firstStep_isUnchangedByTheTerm_whichIsZeroAtTheStart() {
    // One SGD step on the full batch: w - start is 0 there, so mu changes nothing.
    float[] start = MODEL.initialParameters(3);
    float[] plain = trainer.fit(MODEL, start, DATA,
        new TrainingPlan(1, 64, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9, 0)).parameters();
    float[] prox = trainer.fit(MODEL, start, DATA,
        new TrainingPlan(1, 64, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9, 100)).parameters();
    assertThat(prox).containsExactly(plain);
  }

  @Test
  void negativeMu_isRefused() {
    assertThatThrownBy(() -> new TrainingPlan(1, 8, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 9, -1))
        .hasMessageContaining("proximalMu");
  }
}
