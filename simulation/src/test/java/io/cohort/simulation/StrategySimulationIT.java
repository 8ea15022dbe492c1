package io.cohort.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.cohort.testing.SyntheticImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each strategy beyond FedAvg trains a real federation (six SDK clients over loopback, synthetic images). */
class StrategySimulationIT {
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void writeData() throws Exception {
    data = SyntheticImages.write(dir.resolve("data"), 1200, 400, 5);
  }

  @ParameterizedTest
  @ValueSource(strings = {"median", "trimmed-mean:0.2", "krum:1:3", "fedprox:0.1", "fedavgm:1:0.5", "fedadam:0.05",
      "fedadagrad:0.05", "fedyogi:0.05", "scaffold"})
  void strategy_threeRoundsOnIid_learns(String strategy) throws Exception {
    ModelArchitecture model = ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, List.of(1, 28, 28), 10);
    SimulationConfig config = new SimulationConfig(6, 1.0, 1, 3, "iid", model,
        new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0.9, 0), 5, dir.resolve("out-" + strategy.replace(':', '-')),
        data, false, false, 2, 0, Duration.ofSeconds(60), 0, 0, SecureAggregationSettings.off(), 0,
        Optional.empty(), 0, strategy);
    List<RoundResult> rounds = new Simulation(config, new SimulationListener() {}).run();
    assertThat(rounds).hasSize(3);
    assertThat(rounds.get(2).accuracy()).as(strategy).isGreaterThan(0.5); // 10 classes: chance is 0.1
    assertThat(rounds.get(2).loss()).as(strategy).isLessThan(rounds.get(0).loss());
  }
}
