package io.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.client.Availability;
import io.cohort.client.EvaluationOutcome;
import io.cohort.client.FitOutcome;
import io.cohort.client.LocalDataset;
import io.cohort.client.LocalTrainer;
import io.cohort.client.TrainingPlan;
import io.cohort.protocol.model.ModelArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeterogeneityTest {
  private static final Heterogeneity SLOW_30 = Heterogeneity.NONE.withStragglers("0.3:3");

  private static List<Integer> stragglers(Heterogeneity h, long seed, int clients) {
    return IntStream.range(0, clients).filter(i -> h.straggler(seed, i, clients)).boxed().toList();
  }

  @Test
  void withStragglers_parsesFractionAndFactor() {
    assertThat(SLOW_30.stragglerFraction()).isEqualTo(0.3);
    assertThat(SLOW_30.slowdown()).isEqualTo(3.0);
    assertThat(SLOW_30.offline()).isZero();
    assertThat(SLOW_30.withOffline(0.2)).isEqualTo(new Heterogeneity(0.3, 3, 0.2));
  }

  @Test
  void withStragglers_badSpecs_areRefusedNamingTheFlag() {
    for (String bad : List.of("0.3", "0.3:3:1", "a:3", "0.3:", "")) {
      assertThatThrownBy(() -> Heterogeneity.NONE.withStragglers(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--stragglers takes FRACTION:FACTOR");
    }
    assertThatThrownBy(() -> Heterogeneity.NONE.withStragglers("1.5:3")).hasMessageContaining("[0, 1]");
    assertThatThrownBy(() -> Heterogeneity.NONE.withStragglers("0.3:0.5")).hasMessageContaining("[1, 1000]");
    assertThatThrownBy(() -> Heterogeneity.NONE.withOffline(1)).hasMessageContaining("[0, 1)");
    assertThatThrownBy(() -> Heterogeneity.NONE.withOffline(Double.NaN)).hasMessageContaining("[0, 1)");
  }

  @Test
  void straggler_theShareHoldsExactly_forEverySeedAndSize() {
    for (int clients : List.of(1, 3, 10, 17, 100, 1000)) {
      for (long seed = 1; seed <= 5; seed++) {
        assertThat(stragglers(SLOW_30, seed, clients)).as("%d clients, seed %d", clients, seed)
            .hasSize((int) Math.round(0.3 * clients));
      }
    }
    assertThat(stragglers(Heterogeneity.NONE.withStragglers("1:2"), 1, 10)).hasSize(10);
    assertThat(stragglers(Heterogeneity.NONE.withStragglers("0:2"), 1, 10)).isEmpty();
    assertThat(stragglers(Heterogeneity.NONE.withStragglers("0.5:1"), 1, 10)).as("factor 1 is not slow").isEmpty();
  }

  @Test
  void straggler_dependsOnlyOnSeedAndClient_andTheSeedChangesTheChoice() {
    List<Integer> first = stragglers(SLOW_30, 7, 10);
    assertThat(stragglers(new Heterogeneity(0.3, 3, 0.5), 7, 10)).isEqualTo(first); // availability plays no part
    assertThat(stragglers(SLOW_30, 7, 10)).isEqualTo(first);
    List<List<Integer>> bySeed = new ArrayList<>();
    for (long seed = 1; seed <= 6; seed++) {
      bySeed.add(stragglers(SLOW_30, seed, 10));
    }
    assertThat(bySeed.stream().distinct().count()).as("six seeds, six choices of 3 of 10").isGreaterThan(3);
    // Every client is a straggler under some seed: the choice is not biased to low or high indices.
    int[] times = new int[10];
    for (long seed = 0; seed < 2000; seed++) {
      stragglers(SLOW_30, seed, 10).forEach(i -> times[i]++);
    }
    // 2000 x 3/10 = 600 expected each (binomial sd about 20).
    assertThat(java.util.Arrays.stream(times).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(500, 700));
  }

  @Test
  void straggler_indexOutsideTheClients_isRefused() {
    assertThatThrownBy(() -> SLOW_30.straggler(1, 10, 10)).hasMessageContaining("outside 0..9");
  }

  @Test
  void online_isDeterministicPerSeedClientAndRound_andTheRateHolds() {
    Heterogeneity h = Heterogeneity.NONE.withOffline(0.2);
    int offline = 0;
    int draws = 0;
    for (int client = 0; client < 100; client++) {
      for (int round = 1; round <= 100; round++) {
        boolean online = h.online(3, client, round);
        assertThat(h.online(3, client, round)).isEqualTo(online);
        offline += online ? 0 : 1;
        draws++;
      }
    }
    // 10,000 draws at p = 0.2: 2000 expected, sd 40.
    assertThat(offline).isBetween(1800, 2200);
    assertThat(draws).isEqualTo(10_000);
    long differ = IntStream.range(0, 200).filter(r -> h.online(3, 0, r + 1) != h.online(4, 0, r + 1)).count();
    assertThat(differ).as("another seed, other offline rounds").isPositive();
    long clientsDiffer = IntStream.range(0, 200).filter(r -> h.online(3, 0, r + 1) != h.online(3, 1, r + 1)).count();
    assertThat(clientsDiffer).as("clients are offline independently").isPositive();
  }

  @Test
  void availability_noOffline_isAlways_andOtherwiseFollowsOnline() {
    assertThat(Heterogeneity.NONE.availability(1, 0)).isSameAs(Availability.ALWAYS);
    Heterogeneity h = Heterogeneity.NONE.withOffline(0.5);
    Availability a = h.availability(9, 4);
    for (int round = 1; round <= 50; round++) {
      assertThat(a.online(round)).isEqualTo(h.online(9, 4, round));
    }
  }

  /** A trainer that "takes" 250 ms on a fake clock. */
  private static final class FakeTraining implements LocalTrainer {
    final long[] clock;

    FakeTraining(long[] clock) {
      this.clock = clock;
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      clock[0] += 250_000_000L;
      return new FitOutcome(initial.clone(), 7, 0.5, 0.75);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return new EvaluationOutcome(3, 0.1, 0.9);
    }

    @Override
    public void close() {}
  }

  @Test
  void stragglerTrainer_waitsFactorMinusOneTimesTheTraining_andReturnsTheHonestOutcome() {
    long[] clock = {1_000_000_000L};
    List<Long> slept = new ArrayList<>();
    StragglerTrainer slow = new StragglerTrainer(new FakeTraining(clock), 3, () -> clock[0], slept::add);
    FitOutcome outcome = slow.fit(null, new float[] {1, 2}, null, null);
    assertThat(slept).containsExactly(500L); // (3 - 1) x 250 ms
    assertThat(outcome.parameters()).containsExactly(1, 2);
    assertThat(outcome.numExamples()).isEqualTo(7);
    new StragglerTrainer(new FakeTraining(clock), 1.5, () -> clock[0], slept::add).fit(null, new float[1], null,
        null);
    assertThat(slept).containsExactly(500L, 125L); // (1.5 - 1) x 250 ms
    assertThat(slow.evaluate(null, new float[1], null, 8).accuracy()).isEqualTo(0.9);
    assertThat(slept).hasSize(2); // evaluation is not slowed
  }

  @Test
  void stragglerTrainer_slowdownBelowOne_isRefused() {
    assertThatThrownBy(() -> new StragglerTrainer(new FakeTraining(new long[1]), 0.5))
        .hasMessageContaining("slowdown must be a finite number >= 1");
  }
}
