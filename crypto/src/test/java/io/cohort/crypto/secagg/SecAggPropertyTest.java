package io.cohort.crypto.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.crypto.secagg.RoundSimulation.Drop;
import io.cohort.crypto.secagg.RoundSimulation.Outcome;
import io.cohort.crypto.secagg.RoundSimulation.Prediction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Random rounds: n in 2..12, any k and t, each client dropping at a random stage (or never). The engine succeeds
 * exactly when the oracle says enough holders are left, and then gives the exact sum of the survivors' inputs.
 */
class SecAggPropertyTest {
  record Scenario(int n, int k, int t, List<Drop> drops, long inputSeed) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Arbitraries.integers().between(2, 12).flatMap(n ->
        Arbitraries.integers().between(1, n - 1).flatMap(k ->
            Combinators.combine(
                Arbitraries.integers().between(1, k),
                Arbitraries.frequency(
                    net.jqwik.api.Tuple.of(12, Drop.NEVER),
                    net.jqwik.api.Tuple.of(1, Drop.BEFORE_ADVERTISING),
                    net.jqwik.api.Tuple.of(1, Drop.AFTER_ADVERTISING),
                    net.jqwik.api.Tuple.of(1, Drop.AFTER_SHARING),
                    net.jqwik.api.Tuple.of(1, Drop.AFTER_MASKED_INPUT)).list().ofSize(n),
                Arbitraries.longs())
                .as((t, drops, seed) -> new Scenario(n, k, t, drops, seed))));
  }

  @Property(tries = 150)
  void run_randomDropouts_succeedsIffEnoughHoldersAndSumsSurvivors(@ForAll("scenarios") Scenario s) {
    List<String> ids = RoundSimulation.ids(s.n());
    int length = 17;
    SecAggParameters p = new SecAggParameters("run", 1, ids, s.k(), s.t(), s.inputSeed(), length);
    Map<String, Drop> drops = new HashMap<>();
    Map<String, int[]> inputs = new HashMap<>();
    Random random = new Random(s.inputSeed());
    for (int i = 0; i < s.n(); i++) {
      drops.put(ids.get(i), s.drops().get(i));
      inputs.put(ids.get(i), random.ints(length).toArray());
    }
    Prediction prediction = RoundSimulation.predict(p, drops);
    Statistics.label("outcome").collect(prediction.succeeds() ? "succeeds" : "fails");
    Statistics.label("outcome").coverage(c -> {
      c.check("succeeds").percentage(pct -> pct > 25); // the generator is not all hopeless cases
      c.check("fails").count(count -> count > 0); // nor all easy ones
    });
    if (prediction.succeeds()) {
      Outcome outcome = RoundSimulation.run(p, inputs, drops);
      assertThat(outcome.survivors()).isEqualTo(prediction.survivors());
      assertThat(outcome.sum()).isEqualTo(RoundSimulation.exactSum(inputs, outcome.survivors(), length));
    } else {
      assertThatThrownBy(() -> RoundSimulation.run(p, inputs, drops)).isInstanceOf(SecAggException.class);
    }
  }
}
