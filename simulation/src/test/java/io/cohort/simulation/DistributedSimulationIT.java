package io.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.cohort.testing.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulation whose clients run in two worker JVMs (separate processes joined over Hazelcast on loopback, each
 * enrolling its clients over mutual TLS with tokens the simulating JVM hands out) gives the same accuracy column as
 * the same simulation in one JVM.
 */
class DistributedSimulationIT {
  @TempDir Path dir;

  private SimulationConfig config(Path data, int workerJvms, String out) {
    ModelArchitecture model = ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, List.of(1, 28, 28), 10);
    return new SimulationConfig(6, 1.0, 1, 3, "dirichlet:0.5", model,
        new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0.9, 0), 21, dir.resolve(out), data, false,
        false, 1, 0, Duration.ofSeconds(60), 0, 0, SecureAggregationSettings.on(), 0, Optional.empty(), workerJvms);
  }

  @Test
  void run_twoWorkerJvms_sameAccuracyColumnAsOneJvm() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 1200, 400, 5);
    List<Double> local = new Simulation(config(data, 0, "local"), new SimulationListener() {}).run().stream()
        .map(RoundResult::accuracy).toList();
    List<RoundResult> distributed = new Simulation(config(data, 2, "distributed"), new SimulationListener() {}).run();
    assertThat(distributed).hasSize(3).allSatisfy(r -> {
      assertThat(r.record().completed()).isTrue();
      assertThat(r.record().accepted()).isEqualTo(6);
    });
    for (int i = 0; i < local.size(); i++) {
      assertThat(distributed.get(i).accuracy()).as("round %d", i + 1).isCloseTo(local.get(i), within(1e-4));
    }
    for (int k = 0; k < 2; k++) { // each worker ran its share: 3 of the 6 clients, 3 rounds each
      assertThat(Files.readString(dir.resolve("distributed").resolve("workers").resolve("worker-" + k + ".log")))
          .contains("worker finished: 3 clients, 9 updates accepted");
    }
  }
}
