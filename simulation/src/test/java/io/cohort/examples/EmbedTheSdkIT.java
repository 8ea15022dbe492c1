package io.cohort.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientReport;
import io.cohort.client.CohortClient;
import io.cohort.client.DatasetSource;
import io.cohort.client.LocalDataset;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.TlsSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import io.cohort.coordinator.round.RoundRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "embed the SDK" sample, compiled and run by the build against a real coordinator. */
class EmbedTheSdkIT {

  // README:embed:start
  /** An app's own code: train the federation's model on private data that never leaves this process. */
  static ClientReport joinFederation(URI coordinator, Path ca, Path identity, String token, String name,
      float[] features, int[] labels) {
    LocalDataset mine = LocalDataset.of(features, labels, List.of(1, 28, 28), 10);
    try (CohortClient client = CohortClient.builder()
        .coordinator(coordinator)            // e.g. https://127.0.0.1:7000
        .trustedCoordinatorCa(ca)            // the coordinator's ca.pem, from its operator
        .identityDirectory(identity)         // this app's key and certificate, kept owner-only
        .enrolmentToken(token)               // one-time, from the operator; unused once enrolled
        .name(name)                          // e.g. "hospital-a"; stable across restarts
        .data(DatasetSource.of(mine, mine))  // training and held-out data
        .build()) {                          // default trainer: ND4J on this machine's CPU
      return client.run();                   // returns when the coordinator's run is finished
    }
  }
  // README:embed:end

  @TempDir Path dir;

  /**
   * Three apps (hospitals) join over mutual TLS, each enrolling with its own token; the coordinator runs secure
   * aggregation, its default, so it sees only their sum.
   */
  @Test
  void joinFederation_threeAppsAgainstARealCoordinator_trainEveryRoundUnderSecureAggregation() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ModelArchitecture model = ModelArchitecture.defaultFor(ModelArchitecture.Kind.LOGREG, List.of(1, 28, 28), 10);
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(model).rounds(2).minClients(3)
          .tls(TlsSettings.stateDirectory(dir.resolve("coordinator"))).build()).await();
      Path ca = dir.resolve("coordinator").resolve("ca.pem");
      List<CompletableFuture<ClientReport>> apps = new ArrayList<>();
      for (String name : List.of("hospital-a", "hospital-b", "hospital-c")) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        int n = 50;
        float[] x = new float[n * 784];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
          y[i] = random.nextInt(10);
          for (int p = 0; p < 784; p++) {
            x[i * 784 + p] = (float) random.nextDouble();
          }
        }
        String token = coordinator.issueEnrolmentToken();
        apps.add(CompletableFuture.supplyAsync(() -> joinFederation(URI.create(coordinator.url()), ca,
            dir.resolve(name), token, name, x, y)));
      }
      for (CompletableFuture<ClientReport> app : apps) {
        assertThat(app.get(3, TimeUnit.MINUTES).roundsTrained()).isEqualTo(2);
      }
      List<RoundRecord> rounds = coordinator.completion().await();
      assertThat(rounds).hasSize(2).allSatisfy(r -> {
        assertThat(r.completed()).isTrue();
        assertThat(r.accepted()).isEqualTo(3);
        assertThat(r.examples()).isEqualTo(150); // the weights, summed securely
      });
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
