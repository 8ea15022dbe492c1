package io.cohort.coordinator.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.protocol.model.ModelArchitecture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The robust rules on small matrices worked out by hand. */
class RobustAggregationTest {
  private static final List<float[]> FIVE = List.of(
      new float[] {1, 10}, new float[] {2, 20}, new float[] {3, -5}, new float[] {100, 0}, new float[] {4, 4});

  @Test
  void median_oddAndEvenCohorts_takeTheMiddleValueOfEachCoordinate() {
    // column 0 sorted: 1 2 3 4 100 -> 3; column 1 sorted: -5 0 4 10 20 -> 4
    assertThat(RobustAggregation.coordinateMedian(FIVE)).containsExactly(3f, 4f);
    // 1 2 3 10 -> (2 + 3) / 2
    assertThat(RobustAggregation.coordinateMedian(List.of(new float[] {1}, new float[] {3}, new float[] {10},
        new float[] {2}))).containsExactly(2.5f);
  }

  @Test
  void trimmedMean_dropsTheBetaShareAtEachEndThenAverages() {
    // beta 0.2 of 5 drops one value at each end: column 0 keeps 2 3 4 -> 3; column 1 keeps 0 4 10 -> 14 / 3
    float[] out = RobustAggregation.trimmedMean(FIVE, 0.2);
    assertThat(out[0]).isEqualTo(3f);
    assertThat((double) out[1]).isCloseTo(14.0 / 3, within(1e-6));
    // beta 0 is the plain mean: (1 + 2 + 3 + 100 + 4) / 5 = 22
    assertThat(RobustAggregation.trimmedMean(FIVE, 0)[0]).isEqualTo(22f);
  }

  /** Four honest updates near (1, 1) and one outlier; f = 1, so each score sums the 2 nearest squared distances. */
  private static final List<float[]> HONEST_AND_OUTLIER = List.of(
      new float[] {1, 1}, new float[] {1.5f, 1}, new float[] {1, 1.5f}, new float[] {2, 2}, new float[] {100, -100});

  @Test
  void krum_withOneOutlier_picksTheUpdateClosestToItsNeighbours() {
    // squared distances: ab .25, ac .25, ad 2, bc .5, bd 1.25, cd 1.25; scores a .5, b .75, c .75, d 2.5, e huge
    assertThat(RobustAggregation.multiKrum(HONEST_AND_OUTLIER, 1, 1)).containsExactly(1f, 1f);
  }

  @Test
  void multiKrum_averagesTheBestScoredUpdates() {
    // m = 3 averages a, b and c: ((1 + 1.5 + 1) / 3, (1 + 1 + 1.5) / 3)
    float[] out = RobustAggregation.multiKrum(HONEST_AND_OUTLIER, 1, 3);
    assertThat((double) out[0]).isCloseTo(3.5 / 3, within(1e-6));
    assertThat((double) out[1]).isCloseTo(3.5 / 3, within(1e-6));
  }

  @Test
  void krum_tooFewUpdatesForF_failsTheRoundWithAClearError() {
    assertThatThrownBy(() -> RobustAggregation.multiKrum(HONEST_AND_OUTLIER.subList(0, 3), 1, 1))
        .hasMessageContaining("needs more than 4 updates, got 3");
  }

  /** Six honest updates a..f and one outlier g = (100, -100); f = 1, so n = 7 = 4f + 3, theta = 5, beta = 3. */
  private static final List<float[]> SIX_AND_OUTLIER = List.of(new float[] {3, 5}, new float[] {6, 1},
      new float[] {1, 5}, new float[] {1, 6}, new float[] {4, 3}, new float[] {5, 0}, new float[] {100, -100});

  @Test
  void bulyan_withOneOutlier_picksThetaByRepeatedKrumThenAveragesTheBetaClosestToTheMedian() {
    // Squared distances: ab 25, ac 4, ad 5, ae 5, af 29, bc 41, bd 50, be 8, bf 2, cd 1, ce 13, cf 41, de 18, df 52,
    // ef 10; g is over 9000 from every other. Krum over the pool, n' - f - 2 neighbours (at least 1):
    //   pool a..g, 4 neighbours: a 4+5+5+25 = 39, e 5+8+10+13 = 36 (best), b 2+8+25+41 = 76, ... -> e
    //   pool a b c d f g, 3:     a 4+5+25 = 34 (best), c 1+4+41 = 46, b 2+25+41 = 68, ...         -> a
    //   pool b c d f g, 2:       b 2+41 = 43, c 1+41 = 42 (best), d 1+50 = 51, f 2+41 = 43        -> c
    //   pool b d f g, 1:         b 2, d 50, f 2: tie, the lower index wins                       -> b
    //   pool d f g, 1:           d 52, f 52: tie                                                 -> d
    // Selected e a c b d (f and g left out). Coordinate 0: 1 1 3 4 6, median 3, the 3 closest 3 4 1 -> 8/3.
    // Coordinate 1: 1 3 5 5 6, median 5, the 3 closest 5 5 6 -> 16/3.
    float[] out = RobustAggregation.bulyan(SIX_AND_OUTLIER, 1);
    assertThat((double) out[0]).isCloseTo(8.0 / 3, within(1e-6));
    assertThat((double) out[1]).isCloseTo(16.0 / 3, within(1e-6));
  }

  @Test
  void bulyan_withFZero_isThePlainMean() {
    // theta = beta = n: every update, every value. (1 + 2 + 3 + 100 + 4) / 5 = 22, (10 + 20 - 5 + 0 + 4) / 5 = 5.8
    float[] out = RobustAggregation.bulyan(FIVE, 0);
    assertThat(out[0]).isEqualTo(22f);
    assertThat((double) out[1]).isCloseTo(5.8, within(1e-6));
  }

  @Test
  void bulyan_fewerThan4fPlus3Updates_failsTheRoundWithAClearError() {
    assertThatThrownBy(() -> RobustAggregation.bulyan(SIX_AND_OUTLIER.subList(0, 6), 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs at least 4f + 3 = 7 updates, got 6");
  }

  @Test
  void bulyan_throughTheStrategy_movesTheModelAndIsNamedByItsF() {
    Strategy bulyan = Strategies.parse("bulyan:1", 1, 1);
    assertThat(bulyan.name()).isEqualTo("bulyan:1");
    assertThat(bulyan.supportsSecureAggregation()).isFalse();
    FitAggregation aggregation = bulyan.beginFit(1, 2);
    for (float[] row : SIX_AND_OUTLIER) {
      aggregation.fold(new ClientUpdate("c", row, 10, 0.5, 0.5));
    }
    float[] next = aggregation.finish(new float[] {1, 1}, List.of());
    assertThat((double) next[0]).isCloseTo(1 + 8.0 / 3, within(1e-6));
    assertThat((double) next[1]).isCloseTo(1 + 16.0 / 3, within(1e-6));
    // a round never samples fewer than 4f + 3 on purpose: a fraction of 0.1 of 8 live clients still samples 7
    List<String> live = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    assertThat(Strategies.parse("bulyan:1", 0.1, 1).configureFit(1, live, new java.util.Random(1))).hasSize(7);
  }

  @Test
  void strategy_foldsCopiesOfTheDeltasAndMovesTheModelByTheRule() throws Exception {
    FitAggregation aggregation = RobustAggregation.median(1, 1).beginFit(1, 2);
    float[] reused = new float[2];
    for (float[] row : FIVE) {
      System.arraycopy(row, 0, reused, 0, 2); // the caller reuses its staging array
      aggregation.fold(new ClientUpdate("c", reused, 10, 0.5, 0.5));
    }
    assertThat(aggregation.count()).isEqualTo(5);
    assertThat(aggregation.totalExamples()).isEqualTo(50);
    // it can live in a cluster: it survives Java serialization
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(aggregation);
    }
    FitAggregation copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (FitAggregation) in.readObject();
    }
    assertThat(copy.finish(new float[] {0.5f, -1}, List.of())).containsExactly(3.5f, 3f);
  }

  @Test
  void robustRule_withSecureAggregation_isRefusedAtConfiguration() {
    assertThatThrownBy(() -> CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(2), 2))
        .strategy(RobustAggregation.median(1, 1)).secureAggregation(SecureAggregationSettings.on()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("median");
  }

  @Test
  void factories_refuseOutOfRangeParameters() {
    assertThatThrownBy(() -> RobustAggregation.trimmedMean(1, 1, 0.5)).hasMessageContaining("[0, 0.5)");
    assertThatThrownBy(() -> RobustAggregation.krum(1, 1, -1, 1)).hasMessageContaining("f >= 0");
    assertThatThrownBy(() -> RobustAggregation.bulyan(1, 1, -1)).hasMessageContaining("f >= 0");
    assertThatThrownBy(() -> Strategies.parse("bulyan:1:2", 1, 1)).hasMessageContaining("too many parameters");
  }
}
