package io.cohort.crypto.secagg;

import static io.cohort.crypto.secagg.RoundSimulation.Drop.AFTER_ADVERTISING;
import static io.cohort.crypto.secagg.RoundSimulation.Drop.AFTER_MASKED_INPUT;
import static io.cohort.crypto.secagg.RoundSimulation.Drop.AFTER_SHARING;
import static io.cohort.crypto.secagg.RoundSimulation.Drop.BEFORE_ADVERTISING;
import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.crypto.secagg.RoundSimulation.Drop;
import io.cohort.crypto.secagg.RoundSimulation.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whole rounds, with and without dropouts: the unmasked sum is exactly the sum of the survivors' inputs. */
class SecAggEngineTest {
  private static final int LENGTH = 33;

  private static Map<String, int[]> randomInputs(List<String> ids, int length, long seed) {
    Random random = new Random(seed);
    Map<String, int[]> inputs = new HashMap<>();
    for (String id : ids) {
      inputs.put(id, random.ints(length).toArray());
    }
    return inputs;
  }

  private static SecAggParameters parameters(int n, int k, int t, int length) {
    return new SecAggParameters("run-1", 3, RoundSimulation.ids(n), k, t, 42L + n, length);
  }

  @Test
  void run_noDropouts_sumEqualsExactSum() {
    for (int n = 2; n <= 12; n++) {
      int k = SecAggParameters.defaultNeighbours(n);
      for (int[] kt : new int[][] {{k, SecAggParameters.defaultThreshold(k)}, {1, 1}, {n - 1, n - 1}, {n - 1, 1}}) {
        SecAggParameters p = parameters(n, kt[0], kt[1], LENGTH);
        Map<String, int[]> inputs = randomInputs(p.participants(), LENGTH, n);
        Outcome outcome = RoundSimulation.run(p, inputs, Map.of());
        assertThat(outcome.survivors()).as("n=%d k=%d t=%d", n, kt[0], kt[1]).hasSize(n);
        assertThat(outcome.sum()).as("n=%d k=%d t=%d", n, kt[0], kt[1])
            .isEqualTo(RoundSimulation.exactSum(inputs, outcome.survivors(), LENGTH));
      }
    }
  }

  @Test
  void run_fullSecAggWithOneDropoutAtEachStage_sumOfSurvivors() {
    SecAggParameters p = parameters(10, 9, 5, LENGTH);
    List<String> ids = p.participants();
    Map<String, Drop> drops = Map.of(ids.get(0), BEFORE_ADVERTISING, ids.get(3), AFTER_ADVERTISING,
        ids.get(5), AFTER_SHARING, ids.get(9), AFTER_MASKED_INPUT);
    Map<String, int[]> inputs = randomInputs(ids, LENGTH, 7);
    Outcome outcome = RoundSimulation.run(p, inputs, drops);
    // the client that dropped before unmasking still counts: its masked input was summed
    assertThat(outcome.survivors()).hasSize(7).contains(ids.get(9)).doesNotContain(ids.get(5), ids.get(3));
    assertThat(outcome.sum()).isEqualTo(RoundSimulation.exactSum(inputs, outcome.survivors(), LENGTH));
    assertThat(outcome.refused()).isEmpty();
  }

  @Test
  void run_secAggPlusWithDropoutsAtEveryStage_sumOfSurvivors() {
    // n = 40, a sparse graph of k = 12, t = 7; two clients drop at each stage.
    int n = 40;
    int k = 12;
    SecAggParameters p = parameters(n, k, SecAggParameters.defaultThreshold(k), LENGTH);
    List<String> ids = p.participants();
    Map<String, Drop> drops = new HashMap<>();
    Drop[] stages = {BEFORE_ADVERTISING, AFTER_ADVERTISING, AFTER_SHARING, AFTER_MASKED_INPUT};
    for (int i = 0; i < 8; i++) {
      drops.put(ids.get(5 * i), stages[i % 4]);
    }
    assertThat(RoundSimulation.predict(p, drops).succeeds()).isTrue();
    Map<String, int[]> inputs = randomInputs(ids, LENGTH, 11);
    Outcome outcome = RoundSimulation.run(p, inputs, drops);
    assertThat(outcome.survivors()).hasSize(n - 6);
    assertThat(outcome.sum()).isEqualTo(RoundSimulation.exactSum(inputs, outcome.survivors(), LENGTH));
  }

  @Test
  void run_quantizedUpdatesWithDropouts_decodeToWeightedMeanOfSurvivors() {
    int n = 12;
    int dims = 200;
    Quantizer quantizer = new Quantizer(1.0, 1000, n);
    SecAggParameters p = parameters(n, 8, 4, dims + 1);
    List<String> ids = p.participants();
    Random random = new Random(5);
    Map<String, float[]> updates = new HashMap<>();
    Map<String, Long> examples = new HashMap<>();
    Map<String, int[]> inputs = new HashMap<>();
    for (String id : ids) {
      float[] update = new float[dims];
      for (int i = 0; i < dims; i++) {
        update[i] = (float) (random.nextGaussian() * 0.6); // some beyond the clip range
      }
      long count = 1 + random.nextInt(1500); // some beyond maxWeight
      updates.put(id, update);
      examples.put(id, count);
      inputs.put(id, quantizer.encode(update, count));
    }
    Map<String, Drop> drops = Map.of(ids.get(1), AFTER_ADVERTISING, ids.get(4), AFTER_SHARING,
        ids.get(7), AFTER_MASKED_INPUT);
    Outcome outcome = RoundSimulation.run(p, inputs, drops);
    Quantizer.Decoded decoded = quantizer.decode(outcome.sum());

    double totalWeight = 0;
    double[] expected = new double[dims];
    for (String id : outcome.survivors()) {
      long weight = Math.min(examples.get(id), 1000);
      totalWeight += weight;
      for (int i = 0; i < dims; i++) {
        expected[i] += weight * Math.max(-1.0, Math.min(1.0, updates.get(id)[i]));
      }
    }
    assertThat(decoded.totalWeight()).isEqualTo((long) totalWeight);
    int m = outcome.survivors().size();
    double tolerance = m * 1000 / (2 * quantizer.scale() * totalWeight) + 1e-6;
    for (int i = 0; i < dims; i++) {
      assertThat((double) decoded.mean()[i]).as("coordinate %d", i)
          .isCloseTo(expected[i] / totalWeight, org.assertj.core.data.Offset.offset(tolerance));
    }
  }

  @Test
  void maskInput_maskedVector_differsFromPlaintextInAlmostEveryCoordinate() {
    SecAggParameters p = parameters(3, 2, 2, 1000);
    List<String> ids = p.participants();
    java.security.SecureRandom random = new java.security.SecureRandom();
    SecAggServer server = new SecAggServer(p);
    Map<String, SecAggClient> clients = new HashMap<>();
    for (String id : ids) {
      clients.put(id, new SecAggClient(p, id, random));
      server.acceptKeys(clients.get(id).advertiseKeys());
    }
    Map<String, List<KeyAdvertisement>> keys = server.closeKeyStage();
    for (String id : ids) {
      server.acceptShares(id, clients.get(id).shareKeys(keys.get(id)));
    }
    Map<String, List<EncryptedShare>> inboxes = server.closeShareStage();
    int[] input = new int[1000];
    int[] masked = clients.get(ids.get(0)).maskInput(inboxes.get(ids.get(0)), input);
    int equal = 0;
    for (int i = 0; i < input.length; i++) {
      equal += masked[i] == input[i] ? 1 : 0;
    }
    assertThat(equal).isLessThanOrEqualTo(1); // each coordinate collides with probability 2^-32
    assertThat(input).containsOnly(0); // the input is not modified
  }
}
