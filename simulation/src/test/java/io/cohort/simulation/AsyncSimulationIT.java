package io.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.AsyncSettings;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.cohort.testing.SyntheticImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FedBuff mode trains a real federation: six SDK clients over loopback, a server step every three updates. */
class AsyncSimulationIT {
  @TempDir Path dir;

  @Test
  void async_bufferOfThreeOverSixClients_learns() throws Exception {
    Path data = SyntheticImages.write(dir.resolve("data"), 1200, 400, 5);
    ModelArchitecture model = ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, List.of(1, 28, 28), 10);
    SimulationConfig config = new SimulationConfig(6, 1.0, 1, 6, "iid", model,
        new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0.9, 0), 5, dir.resolve("out"), data, false, false, 2, 0,
        Duration.ofSeconds(60), 0, 0, SecureAggregationSettings.off(), 0, Optional.empty(), 0, "fedavg",
        SimulatedClients.Poisoning.NONE, Optional.of(new AsyncSettings(3, 4)));

    List<RoundResult> steps = new Simulation(config, new SimulationListener() {}).run();

    assertThat(steps).hasSize(6);
    // K or more: uploads already in flight when the K-th update lands join the same step
    assertThat(steps).allSatisfy(s -> assertThat(s.record().accepted()).isBetween(3, 6));
    assertThat(steps).allSatisfy(s -> assertThat(s.record().failures()).isEmpty());
    assertThat(steps.get(5).accuracy()).isGreaterThan(0.5); // 10 classes: chance is 0.1
    assertThat(steps.get(5).loss()).isLessThan(steps.get(0).loss());
  }
}
