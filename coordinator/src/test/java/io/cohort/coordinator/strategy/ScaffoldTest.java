package io.cohort.coordinator.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SCAFFOLD's server step over two rounds of a two-parameter model, worked out by hand. Server learning rate 0.5; N = 4
 * clients registered. Each update is {@code [delta_y | delta_c]}, weighted by its example count.
 *
 * <ul>
 *   <li>Round 1, from x0 = (1, 2), c0 = 0, three updates (|S| / N = 3/4): delta_y (0.1, -0.2), (0.3, 0), (-0.1, 0.5)
 *       and delta_c (1, 0), (0, 2), (2, -2) with 1, 1 and 2 examples. Weighted means: delta_y = (0.2, 0.8) / 4 =
 *       (0.05, 0.2), delta_c = (5, -2) / 4 = (1.25, -0.5). x1 = x0 + 0.5 (0.05, 0.2) = (1.025, 2.1); c1 = 3/4 (1.25,
 *       -0.5) = (0.9375, -0.375).
 *   <li>Round 2, two updates (|S| / N = 1/2): delta_y (0.2, 0.2), (-0.2, 0.6) and delta_c (-1, 1), (1, 3) with 3 and 1
 *       examples. Means: delta_y = (0.4, 1.2) / 4 = (0.1, 0.3), delta_c = (-2, 6) / 4 = (-0.5, 1.5). x2 = x1 + 0.5
 *       (0.1, 0.3) = (1.075, 2.25); c2 = c1 + 1/2 (-0.5, 1.5) = (0.6875, 0.375).
 * </ul>
 */
class ScaffoldTest {
  private static ClientUpdate update(float dy0, float dy1, float dc0, float dc1, long examples) {
    return new ClientUpdate("c", new float[] {dy0, dy1, dc0, dc1}, examples, 0.5, 0.5);
  }

  private static float[] round(Scaffold scaffold, float[] global, int registered, ClientUpdate... updates) {
    FitAggregation aggregation = scaffold.beginFit(1, 2 * global.length);
    for (ClientUpdate u : updates) {
      aggregation.fold(u);
    }
    return scaffold.finishFit(1, global, aggregation, List.of(),
        new Participation(aggregation.count(), registered));
  }

  private static float[] roundOne(Scaffold scaffold) {
    return round(scaffold, new float[] {1, 2}, 4, update(0.1f, -0.2f, 1, 0, 1), update(0.3f, 0, 0, 2, 1),
        update(-0.1f, 0.5f, 2, -2, 2));
  }

  @Test
  void twoRounds_moveXByTheServerLrAndCByTheParticipatingShare() {
    Scaffold scaffold = new Scaffold(1, 1, 0.5);
    assertThat(scaffold.controlVariate(2)).containsExactly(0f, 0f); // c starts at zero
    float[] x1 = roundOne(scaffold);
    assertThat((double) x1[0]).isCloseTo(1.025, within(1e-6));
    assertThat((double) x1[1]).isCloseTo(2.1, within(1e-6));
    assertThat(scaffold.controlVariate(2)).containsExactly(0.9375f, -0.375f);

    float[] x2 = round(scaffold, x1, 4, update(0.2f, 0.2f, -1, 1, 3), update(-0.2f, 0.6f, 1, 3, 1));
    assertThat((double) x2[0]).isCloseTo(1.075, within(1e-6));
    assertThat((double) x2[1]).isCloseTo(2.25, within(1e-6));
    assertThat(scaffold.controlVariate(2)).containsExactly(0.6875f, 0.375f);
  }

  @Test
  void secureAggregate_ofTheSameWeightedMean_takesTheSameStep() {
    Scaffold secure = new Scaffold(1, 1, 0.5);
    // what secure aggregation reveals: the weighted mean of [delta_y | delta_c]
    float[] x1 = secure.applySecureAggregate(1, new float[] {1, 2}, new float[] {0.05f, 0.2f, 1.25f, -0.5f},
        new Participation(3, 4));
    float[] plain = roundOne(new Scaffold(1, 1, 0.5));
    assertThat((double) x1[0]).isCloseTo(plain[0], within(1e-6));
    assertThat((double) x1[1]).isCloseTo(plain[1], within(1e-6));
    assertThat(secure.controlVariate(2)).containsExactly(0.9375f, -0.375f);
    assertThat(secure.supportsSecureAggregation()).isTrue();
  }

  @Test
  void state_roundTripsTheControlVariate_intoAFreshStrategy() {
    Scaffold before = new Scaffold(1, 1, 0.5);
    assertThat(before.state()).isEmpty(); // nothing before the first round
    roundOne(before);
    Scaffold resumed = new Scaffold(1, 1, 0.5);
    resumed.restoreState(before.state());
    assertThat(resumed.controlVariate(2)).containsExactly(0.9375f, -0.375f);
    assertThatThrownBy(() -> resumed.restoreState(new byte[] {0, 0, 0, 3, 1})).hasMessageContaining("does not hold");
  }

  @Test
  void participation_isNeverAboveOne_andRegisteredDefaultsToTheAggregatedCount() {
    assertThat(new Participation(3, 4).share()).isEqualTo(0.75);
    assertThat(new Participation(5, 2).share()).isEqualTo(1.0); // clients that left after their upload
    Scaffold scaffold = new Scaffold(1, 1, 1);
    FitAggregation aggregation = scaffold.beginFit(1, 2);
    aggregation.fold(new ClientUpdate("a", new float[] {0.5f, 2}, 1, 0, 0));
    float[] x = scaffold.finishFit(1, new float[] {1}, aggregation, List.of()); // as if all registered answered
    assertThat(x).containsExactly(1.5f);
    assertThat(scaffold.controlVariate(1)).containsExactly(2f);
  }

  @Test
  void aggregateOfTheWrongLength_isRefused() {
    Scaffold scaffold = new Scaffold(1, 1, 1);
    assertThatThrownBy(() -> scaffold.applySecureAggregate(1, new float[2], new float[2], new Participation(1, 1)))
        .hasMessageContaining("2 x 2");
  }

  @Test
  void parse_readsTheServerLr_andConfigurationRefusesAdamAndBadRates() {
    assertThat(Strategies.parse("scaffold", 1, 1).name()).isEqualTo("scaffold:1.0");
    assertThat(Strategies.parse("scaffold:0.5", 1, 1).controlVariates()).isTrue();
    assertThatThrownBy(() -> Strategies.parse("scaffold:0", 1, 1)).hasMessageContaining("must be positive");
    ModelArchitecture model = ModelArchitecture.logreg(List.of(2), 2);
    assertThatThrownBy(() -> CoordinatorConfig.builder(model).strategy(Strategies.parse("scaffold", 1, 1))
        .secureAggregation(SecureAggregationSettings.off())
        .train(new TrainSettings(1, 16, 0.001, Optimizer.ADAM, 0, 0)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--optimizer sgd");
    // plain SGD, with secure aggregation on: accepted
    assertThat(CoordinatorConfig.builder(model).strategy(Strategies.parse("scaffold", 1, 1))
        .secureAggregation(SecureAggregationSettings.on())
        .train(new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0, 0)).build().strategy().name())
        .isEqualTo("scaffold:1.0");
  }
}
