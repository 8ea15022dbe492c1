package io.cohort.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.LocalDataset;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The README's "embed the SDK" sample, compiled and run by the build against a real coordinator. */
class EmbedTheSdkIT {

  // README:embed:start
  /** An app's own code: train the federation's model on private data that never leaves this process. */
  static ClientReport joinFederation(URI coordinator, float[] features, int[] labels) {
    LocalDataset mine = LocalDataset.of(features, labels, List.of(1, 28, 28), 10);
    try (CohortClient client = CohortClient.builder()
        .coordinator(coordinator)            // e.g. http://127.0.0.1:7000
        .name("hospital-a")                  // stable across restarts
        .data(DatasetSource.of(mine, mine))  // training and held-out data
        .build()) {                          // default trainer: ND4J on this machine's CPU
      return client.run();                   // returns when the coordinator's run is finished
    }
  }
  // README:embed:end

  @Test
  void joinFederation_againstARealCoordinator_trainsEveryRound() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ModelArchitecture model = ModelArchitecture.defaultFor(ModelArchitecture.Kind.LOGREG, List.of(1, 28, 28), 10);
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(model).rounds(2).build()).await();
      SplittableRandom random = new SplittableRandom(1);
      int n = 50;
      float[] x = new float[n * 784];
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = random.nextInt(10);
        for (int p = 0; p < 784; p++) {
          x[i * 784 + p] = (float) random.nextDouble();
        }
      }
      ClientReport report = joinFederation(URI.create(coordinator.url()), x, y);
      assertThat(report.roundsTrained()).isEqualTo(2);
      assertThat(coordinator.completion().await()).hasSize(2);
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
