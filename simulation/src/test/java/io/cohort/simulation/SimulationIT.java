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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole simulations over loopback on synthetic images: learning happens, and a seed repeats a run exactly. */
class SimulationIT {
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void writeData() throws Exception {
    data = SyntheticImages.write(dir.resolve("data"), 1200, 400, 5);
  }

  private static SimulationConfig config(long seed, String partition, ModelArchitecture.Kind kind) {
    ModelArchitecture model = ModelArchitecture.defaultFor(kind, List.of(1, 28, 28), 10);
    return new SimulationConfig(6, 1.0, 1, 3, partition, model,
        new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0.9, 0), seed, dir.resolve("out-" + seed), data, false,
        false, 2, 0, Duration.ofSeconds(60), 0, 0, SecureAggregationSettings.off(), 0, Optional.empty(), 0);
  }

  /** Each round's test accuracy and test loss. */
  private static List<List<Double>> metrics(SimulationConfig config) throws Exception {
    return new Simulation(config, new SimulationListener() {}).run().stream()
        .map(r -> List.of(r.accuracy(), r.loss())).toList();
  }

  @Test
  void run_sameSeed_repeatsAccuracyAndLossExactly_andLearns() throws Exception {
    List<List<Double>> first = metrics(config(11, "dirichlet:0.5", ModelArchitecture.Kind.MLP));
    List<List<Double>> second = metrics(config(11, "dirichlet:0.5", ModelArchitecture.Kind.MLP));
    assertThat(second).isEqualTo(first);
    assertThat(first).hasSize(3);
    assertThat(first.get(2).get(0)).isGreaterThan(0.5); // 10 classes: chance is 0.1
    assertThat(first.get(2).get(1)).isLessThan(first.get(0).get(1));
  }

  @Test
  void run_otherSeed_givesAnotherRun() throws Exception {
    assertThat(metrics(config(12, "iid", ModelArchitecture.Kind.LOGREG)))
        .isNotEqualTo(metrics(config(13, "iid", ModelArchitecture.Kind.LOGREG)));
  }

  @Test
  void run_cnnWithFederatedEvaluation_recordsClientMetrics() throws Exception {
    SimulationConfig base = config(14, "shards:2", ModelArchitecture.Kind.CNN);
    SimulationConfig withEval = new SimulationConfig(base.clients(), 0.5, 2, 2, base.partition(), base.model(),
        base.train(), base.seed(), base.out(), base.dataDir(), false, false, 2, 1, base.roundTimeout(), 0, 0,
        SecureAggregationSettings.off(), 0, Optional.empty(), 0);
    List<RoundResult> results = new Simulation(withEval, new SimulationListener() {}).run();
    assertThat(results).hasSize(2).allSatisfy(r -> {
      assertThat(r.record().completed()).isTrue();
      assertThat(r.record().invited()).isEqualTo(3);
      assertThat(r.record().federatedEvaluation()).isNotNull();
      assertThat(r.record().federatedEvaluation().clients()).isEqualTo(3);
      assertThat(r.record().federatedEvaluation().accuracy()).isBetween(0.0, 1.0);
    });
  }
}
