package io.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.cohort.testing.SyntheticImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulations with slow and intermittently offline clients, and with over-selection: every round completes, the
 * clients the seed takes offline are exactly the ones the coordinator records as late, the same in one JVM and in
 * worker JVMs, and an over-selected secure round sums exactly the first K masked inputs.
 */
class HeterogeneitySimulationIT {
  private static final ModelArchitecture MODEL =
      ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, List.of(1, 28, 28), 10);
  private static final TrainSettings TRAIN = new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0.9, 0);
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void writeData() throws Exception {
    data = SyntheticImages.write(dir.resolve("data"), 1200, 400, 5);
  }

  private static SimulationConfig config(int clients, double fraction, String out, long seed, Duration timeout,
      SecureAggregationSettings secure, int workers, Heterogeneity heterogeneity, double overSelection) {
    return new SimulationConfig(clients, fraction, 1, 2, "iid", MODEL, TRAIN, seed, dir.resolve(out), data, false,
        false, 2, 0, timeout, 0, 0, secure, 0, Optional.empty(), workers, "fedavg",
        SimulatedClients.Poisoning.NONE, heterogeneity, overSelection);
  }

  @Test
  void stragglersAndOfflineClients_everyRoundCompletes_theOfflineAreTheLate_inOneJvmAndInWorkerJvms()
      throws Exception {
    // Seed 4 with 6 clients: stragglers 0, 2 and 5 (three times slower); nobody offline in round 1 (so the first
    // round, which also warms the JVMs up, never waits for its deadline) and two clients offline in round 2.
    Heterogeneity h = new Heterogeneity(0.5, 3, 0.3);
    long seed = 4;
    List<Integer> offline = IntStream.rangeClosed(1, 2)
        .mapToObj(r -> (int) IntStream.range(0, 6).filter(i -> !h.online(seed, i, r)).count()).toList();
    assertThat(offline).containsExactly(0, 2);
    assertThat(IntStream.range(0, 6).filter(i -> h.straggler(seed, i, 6)).boxed().toList()).containsExactly(0, 2, 5);

    List<RoundResult> local = new Simulation(config(6, 1.0, "local", seed, Duration.ofSeconds(20),
        SecureAggregationSettings.off(), 0, h, 0), new SimulationListener() {}, true).run();
    List<RoundResult> distributed = new Simulation(config(6, 1.0, "distributed", seed, Duration.ofSeconds(20),
        SecureAggregationSettings.off(), 2, h, 0), new SimulationListener() {}, true).run();
    for (List<RoundResult> run : List.of(local, distributed)) {
      assertThat(run).hasSize(2);
      for (int r = 0; r < 2; r++) {
        var record = run.get(r).record();
        assertThat(record.completed()).isTrue();
        assertThat(record.invited()).isEqualTo(6);
        assertThat(record.late()).as("round %d", r + 1).isEqualTo(offline.get(r));
        assertThat(record.accepted()).isEqualTo(6 - offline.get(r));
        assertThat(run.get(r).toRow().late()).isEqualTo(offline.get(r));
      }
    }
    for (int r = 0; r < 2; r++) { // the same clients aggregated, so the same model
      assertThat(distributed.get(r).accuracy()).as("round %d", r + 1).isCloseTo(local.get(r).accuracy(),
          within(1e-4));
    }
  }

  @Test
  void overSelectedSecureRounds_withStragglers_sumExactlyTheFirstK() throws Exception {
    // 10 clients, fraction 0.8: K = 8; over-selection 0.25 invites all 10. The masked-input stage closes at 8 inputs
    // and the other 2 count as dropped (degree 9, threshold 5: each has 8 summed neighbours to reveal its key).
    List<RoundResult> rounds = new Simulation(config(10, 0.8, "secure", 3, Duration.ofSeconds(60),
        SecureAggregationSettings.on(), 0, Heterogeneity.NONE.withStragglers("0.3:3"), 0.25),
        new SimulationListener() {}, true).run();
    assertThat(rounds).hasSize(2).allSatisfy(r -> {
      assertThat(r.record().completed()).isTrue();
      assertThat(r.record().invited()).isEqualTo(10);
      assertThat(r.record().accepted()).isEqualTo(8);
      assertThat(r.record().late()).isEqualTo(2);
      assertThat(r.record().failures()).hasSize(2)
          .allSatisfy(f -> assertThat(f.reason()).contains("over-selection"));
    });
    assertThat(rounds.get(1).accuracy()).as("the model learns (chance is 0.1)").isGreaterThan(0.2);
  }
}
