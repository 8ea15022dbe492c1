package io.cohort.coordinator.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server optimisers' first two steps on one coordinate, from x = 0 with mean updates 1 then 0.5 (lr 0.1, beta1
 * 0.9, beta2 0.99, tau 0.1, so v starts at 0.01), worked out by hand:
 *
 * <ul>
 *   <li>Adam: m = 0.1, v = 0.0199, x = 0.01 / (sqrt(0.0199) + 0.1); then m = 0.14, v = 0.022201 = 0.149^2, x +=
 *       0.014 / 0.249.
 *   <li>Adagrad: v = 1.01, x = 0.01 / (sqrt(1.01) + 0.1); then v = 1.26, x += 0.014 / (sqrt(1.26) + 0.1).
 *   <li>Yogi: v - d^2 < 0 both times, so v = 0.01 + 0.01 = 0.02, then 0.02 + 0.0025 = 0.0225 = 0.15^2.
 *   <li>AvgM (lr 1, momentum 0.9): v = 1, x = 1; then v = 1.4, x = 2.4.
 * </ul>
 */
class ServerOptimizerTest {
  private static ServerOptimizer optimizer(ServerOptimizer.Kind kind) {
    return kind == ServerOptimizer.Kind.AVGM ? new ServerOptimizer(kind, 1, 1, 1.0, 0.9, 0, 1)
        : new ServerOptimizer(kind, 1, 1, 0.1, 0.9, 0.99, 0.1);
  }

  private static double[] twoSteps(ServerOptimizer o) {
    float[] x1 = o.step(new float[] {0}, new float[] {1});
    float[] x2 = o.step(x1, new float[] {0.5f});
    return new double[] {x1[0], x2[0]};
  }

  @Test
  void fedAdam_firstTwoSteps_matchTheHandComputedValues() {
    double[] x = twoSteps(optimizer(ServerOptimizer.Kind.ADAM));
    assertThat(x[0]).isCloseTo(0.0414822, within(1e-6));
    assertThat(x[1]).isCloseTo(0.0414822 + 0.014 / 0.249, within(1e-6));
  }

  @Test
  void fedAdagrad_firstTwoSteps_matchTheHandComputedValues() {
    double[] x = twoSteps(optimizer(ServerOptimizer.Kind.ADAGRAD));
    assertThat(x[0]).isCloseTo(0.0090499, within(1e-6));
    assertThat(x[1]).isCloseTo(0.0205018, within(1e-6));
  }

  @Test
  void fedYogi_firstTwoSteps_matchTheHandComputedValues() {
    double[] x = twoSteps(optimizer(ServerOptimizer.Kind.YOGI));
    assertThat(x[0]).isCloseTo(0.0414214, within(1e-6));
    assertThat(x[1]).isCloseTo(0.0414214 + 0.014 / 0.25, within(1e-6));
  }

  @Test
  void fedAvgM_firstTwoSteps_accumulateMomentum() {
    double[] x = twoSteps(optimizer(ServerOptimizer.Kind.AVGM));
    assertThat(x[0]).isCloseTo(1.0, within(1e-6));
    assertThat(x[1]).isCloseTo(2.4, within(1e-6));
  }

  @Test
  void state_restoredIntoAFreshOptimizer_givesTheSameNextStep() {
    ServerOptimizer first = optimizer(ServerOptimizer.Kind.ADAM);
    float[] x1 = first.step(new float[] {0, 1}, new float[] {1, -2});
    ServerOptimizer resumed = optimizer(ServerOptimizer.Kind.ADAM);
    resumed.restoreState(first.state());
    assertThat(resumed.step(x1, new float[] {0.5f, 0.25f})).containsExactly(first.step(x1,
        new float[] {0.5f, 0.25f}));
    assertThatThrownBy(() -> resumed.restoreState(new byte[] {1, 2, 3})).hasMessageContaining("does not hold");
  }

  @Test
  void finishFit_movesByTheOptimizerStepOfTheWeightedMean() {
    ServerOptimizer o = optimizer(ServerOptimizer.Kind.AVGM);
    FitAggregation round = o.beginFit(1, 1);
    round.fold(new ClientUpdate("a", new float[] {0}, 1, 0, 0));
    round.fold(new ClientUpdate("b", new float[] {3}, 2, 0, 0)); // weighted mean (0 + 6) / 3 = 2
    assertThat(o.finishFit(1, new float[] {10}, round, List.of())).containsExactly(12f);
  }

  @Test
  void fedAvg_keepsNoState_andRefusesAnotherStrategysState() {
    FedAvg fedAvg = new FedAvg(1, 1);
    assertThat(fedAvg.state()).isEmpty();
    assertThatThrownBy(() -> fedAvg.restoreState(new byte[] {1})).hasMessageContaining("resume with the run's");
  }

  @Test
  void strategies_parseTheOptimizersWithDefaultsAndParameters() {
    assertThat(Strategies.parse("fedadam", 1, 1).name()).isEqualTo("fedadam:0.01:0.001");
    assertThat(Strategies.parse("fedyogi:0.05:0.01", 1, 1).name()).isEqualTo("fedyogi:0.05:0.01");
    assertThat(Strategies.parse("fedavgm:1:0.5", 1, 1).name()).isEqualTo("fedavgm:1.0:0.5");
    assertThatThrownBy(() -> Strategies.parse("fedadam:-1", 1, 1)).hasMessageContaining("lr > 0");
  }
}
