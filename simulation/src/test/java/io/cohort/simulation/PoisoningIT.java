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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model poisoning: 2 of 10 clients send their update sign-flipped and scaled by 10. FedAvg's mean is dragged away and
 * its accuracy falls; the coordinate-wise median, the trimmed mean (beta 0.2), Krum (f = 2, m = 1) and Multi-Krum
 * (f = 2, averaging the 8 best-scored) keep the accuracy of the clean FedAvg run to within 3 points. Bulyan with f = 2
 * needs 4f + 3 = 11 updates: 2 of 11 clients attack, and it keeps the accuracy of the clean 11-client FedAvg run.
 * Real SDK clients over loopback, IID synthetic images, the same seed for every run.
 */
class PoisoningIT {
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void writeData() throws Exception {
    data = SyntheticImages.write(dir.resolve("data"), 1500, 500, 5);
  }

  private static double finalAccuracy(String strategy, SimulatedClients.Poisoning poisoning) throws Exception {
    return finalAccuracy(strategy, poisoning, 10);
  }

  private static double finalAccuracy(String strategy, SimulatedClients.Poisoning poisoning, int clients)
      throws Exception {
    ModelArchitecture model = ModelArchitecture.defaultFor(ModelArchitecture.Kind.MLP, List.of(1, 28, 28), 10);
    String name = strategy.replace(':', '-') + "-" + poisoning.fraction() + "-" + clients;
    SimulationConfig config = new SimulationConfig(clients, 1.0, 1, 3, "iid", model,
        new TrainSettings(1, 16, 0.05, Optimizer.SGD, 0.9, 0), 21, dir.resolve("out-" + name), data, false, false,
        2, 0, Duration.ofSeconds(60), 0, 0, SecureAggregationSettings.off(), 0, Optional.empty(), 0, strategy,
        poisoning);
    List<RoundResult> rounds = new Simulation(config, new SimulationListener() {}).run();
    double accuracy = rounds.get(rounds.size() - 1).accuracy();
    System.out.printf("poisoning: %s with %s, %d clients -> test accuracy %.4f%n", strategy, poisoning, clients,
        accuracy);
    return accuracy;
  }

  @Test
  void twentyPercentSignFlipped_degradesFedAvg_andTheRobustRulesHoldTheCleanAccuracy() throws Exception {
    SimulatedClients.Poisoning attack = new SimulatedClients.Poisoning(0.2, 10);
    double clean = finalAccuracy("fedavg", SimulatedClients.Poisoning.NONE);
    assertThat(clean).as("the clean run learns (chance is 0.1)").isGreaterThan(0.5);
    assertThat(finalAccuracy("fedavg", attack)).as("FedAvg under attack").isLessThan(clean - 0.10);
    for (String robust : List.of("median", "trimmed-mean:0.2", "krum:2", "krum:2:8")) {
      assertThat(finalAccuracy(robust, attack)).as(robust + " under attack").isCloseTo(clean, within(0.03));
    }
  }

  @Test
  void twoOfElevenSignFlipped_bulyanWithFTwo_holdsTheCleanAccuracy() throws Exception {
    SimulatedClients.Poisoning attack = new SimulatedClients.Poisoning(0.2, 10); // round(0.2 x 11) = 2 attackers
    double clean = finalAccuracy("fedavg", SimulatedClients.Poisoning.NONE, 11);
    assertThat(clean).as("the clean run learns (chance is 0.1)").isGreaterThan(0.5);
    assertThat(finalAccuracy("fedavg", attack, 11)).as("FedAvg under attack").isLessThan(clean - 0.10);
    assertThat(finalAccuracy("bulyan:2", attack, 11)).as("bulyan:2 under attack").isCloseTo(clean, within(0.03));
  }
}
