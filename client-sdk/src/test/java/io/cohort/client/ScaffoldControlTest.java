package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * SCAFFOLD's client-side rule (option II) on two-parameter vectors worked out by hand: {@code delta_c = (x - y) / (K
 * lr) - c}, {@code c_i += delta_c} once the update is accepted, and the next round's correction {@code c - c_i}.
 */
class ScaffoldControlTest {
  @Test
  void twoRounds_correctionAndControlUpdate_matchTheHandComputedValues() {
    ScaffoldControl control = new ScaffoldControl();
    float[] c = {0.5f, -1};
    // Round 1: c_i = 0, so the correction is c itself.
    assertThat(control.correction("run", c)).containsExactly(0.5f, -1f);
    // x = (1, 1), y = (0.8, 1.3) after K = 4 steps of lr 0.1: (x - y) / 0.4 = (0.5, -0.75); minus c: (0, 0.25)
    float[] delta = ScaffoldControl.controlDelta(c, new float[] {1, 1}, new float[] {0.8f, 1.3f}, 4, 0.1, 0);
    assertThat((double) delta[0]).isCloseTo(0, within(1e-6));
    assertThat((double) delta[1]).isCloseTo(0.25, within(1e-6));
    assertThat(control.current(2)).containsExactly(0f, 0f); // nothing moves before the coordinator took the update
    control.commit("run", delta);
    assertThat((double) control.current(2)[1]).isCloseTo(0.25, within(1e-6)); // c_i+ = c_i + delta_c

    // Round 2: c = (1, 1), c_i = (0, 0.25): correction (1, 0.75). x = (0, 0), y = (-0.2, 0.1), K = 2, lr 0.5:
    // (x - y) / 1 = (0.2, -0.1); minus c: (-0.8, -1.1); c_i becomes (-0.8, -0.85).
    float[] c2 = {1, 1};
    float[] correction = control.correction("run", c2);
    assertThat((double) correction[0]).isCloseTo(1, within(1e-6));
    assertThat((double) correction[1]).isCloseTo(0.75, within(1e-6));
    float[] delta2 = ScaffoldControl.controlDelta(c2, new float[] {0, 0}, new float[] {-0.2f, 0.1f}, 2, 0.5, 0);
    assertThat((double) delta2[0]).isCloseTo(-0.8, within(1e-6));
    assertThat((double) delta2[1]).isCloseTo(-1.1, within(1e-6));
    control.commit("run", delta2);
    assertThat((double) control.current(2)[0]).isCloseTo(-0.8, within(1e-6));
    assertThat((double) control.current(2)[1]).isCloseTo(-0.85, within(1e-6));
  }

  @Test
  void momentum_dividesByTheEffectiveStep_lrOverOneMinusMomentum() {
    // momentum 0.5: lr' = 0.1 / 0.5 = 0.2; (x - y) / (K lr') = (0.2, -0.3) / 0.8 = (0.25, -0.375); minus c = 0
    float[] delta = ScaffoldControl.controlDelta(new float[2], new float[] {1, 1}, new float[] {0.8f, 1.3f}, 4, 0.1,
        0.5);
    assertThat((double) delta[0]).isCloseTo(0.25, within(1e-6));
    assertThat((double) delta[1]).isCloseTo(-0.375, within(1e-6));
  }

  @Test
  void anotherRunOrARestart_startsFromZeroAgain() {
    ScaffoldControl control = new ScaffoldControl();
    control.correction("run", new float[] {1, 1});
    control.commit("run", new float[] {0.5f, 0.5f});
    assertThat(control.correction("run", new float[] {1, 1})).containsExactly(0.5f, 0.5f);
    assertThat(control.correction("another", new float[] {1, 1})).containsExactly(1f, 1f); // c_i = 0 again
    control.commit("another", new float[] {0.5f, 0.5f});
    control.reset();
    assertThat(control.correction("another", new float[] {1, 1})).containsExactly(1f, 1f);
  }

  @Test
  void localSteps_countEveryBatchOfEveryEpoch_theLastOnePartial() {
    TrainingPlan plan = new TrainingPlan(2, 8, 0.05, TrainingPlan.Optimizer.SGD, 0, 0, 1);
    assertThat(plan.localSteps(20)).isEqualTo(6); // 8 + 8 + 4, twice
    assertThat(plan.localSteps(16)).isEqualTo(4);
    assertThat(plan.localSteps(3)).isEqualTo(2); // one batch of 3 per epoch
    assertThatThrownBy(() -> ScaffoldControl.controlDelta(new float[1], new float[1], new float[1], 0, 0.1, 0))
        .hasMessageContaining("at least one step");
  }
}
