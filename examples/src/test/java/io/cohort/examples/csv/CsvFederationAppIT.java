package io.cohort.examples.csv;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.ClientReport;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.TrainSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.tribuo.FeatureMapping;
import io.cohort.tribuo.TribuoData;
import io.cohort.tribuo.TribuoModels;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.classification.evaluation.LabelEvaluator;

/**
 * Three organisations run the example app, each on its own CSV, against a real coordinator over mutual TLS with
 * secure aggregation (both defaults); the federated model, exported to Tribuo, classifies all their rows well.
 */
class CsvFederationAppIT {
  private static final List<String> FEATURES = List.of("glucose", "bmi", "age", "noise");
  private static final List<String> LABELS = List.of("low", "medium", "high");

  @TempDir Path dir;

  /** A site's rows: the class's own feature (glucose, bmi or age) is raised by 3; noise carries no signal. */
  private Path site(String name, long seed, int rows) throws Exception {
    Random random = new Random(seed);
    StringBuilder csv = new StringBuilder("age,bmi,risk,glucose,noise\n");
    for (int i = 0; i < rows; i++) {
      int c = random.nextInt(3);
      double[] f = new double[4];
      for (int j = 0; j < 4; j++) {
        f[j] = random.nextGaussian() + (j == c ? 3 : 0);
      }
      csv.append(String.format("%.3f,%.3f,%s,%.3f,%.3f%n", f[2], f[1], LABELS.get(c), f[0], f[3]));
    }
    Path file = dir.resolve(name + ".csv");
    Files.writeString(file, csv);
    return file;
  }

  @Test
  void threeSites_federateTheirCsvs_andTheExportedModelClassifiesTheirRows() throws Exception {
    Vertx vertx = Vertx.vertx();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      ModelArchitecture model = ModelArchitecture.logreg(List.of(FEATURES.size()), LABELS.size());
      // Three local epochs of Adam at 0.05 a round: a few hundred rows need more than the image defaults.
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(model).rounds(4).minClients(3)
          .train(new TrainSettings(3, 16, 0.05, io.cohort.protocol.v1.Optimizer.ADAM, 0, 0)).build()).await();
      Path ca = dir.resolve("ca.pem");
      Files.writeString(ca, coordinator.caCertificatePem());
      List<Path> sites = List.of(site("hospital-a", 1, 120), site("hospital-b", 2, 90), site("hospital-c", 3, 150));
      List<Future<ClientReport>> runs = new ArrayList<>();
      for (Path csv : sites) {
        String token = coordinator.issueEnrolmentToken();
        runs.add(pool.submit(() -> CsvFederationApp.run("--coordinator", coordinator.url(), "--ca", ca.toString(),
            "--enrol-token", token, "--identity-dir", dir.resolve("id-" + csv.getFileName()).toString(),
            "--csv", csv.toString(), "--label", "risk", "--features", String.join(",", FEATURES),
            "--labels", String.join(",", LABELS))));
      }
      List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      assertThat(rounds).hasSize(4).allMatch(RoundRecord::completed).allMatch(r -> r.accepted() == 3);
      for (Future<ClientReport> run : runs) {
        assertThat(run.get(30, TimeUnit.SECONDS).roundsTrained()).isEqualTo(4);
      }

      // The global model, as a Tribuo model, on every site's rows.
      Model<Label> exported = TribuoModels.export(model, rounds.get(3).parameters(),
          FeatureMapping.of(FEATURES, LABELS));
      // Scored on rows no site trained on: fresh draws from each site's distribution.
      for (int i = 0; i < sites.size(); i++) {
        Path heldOut = site("held-out-" + i, 100 + i, 200);
        double accuracy = new LabelEvaluator().evaluate(exported, TribuoData.readCsv(heldOut, "risk")).accuracy();
        assertThat(accuracy).as("accuracy on %s", heldOut.getFileName()).isGreaterThan(0.8);
      }
      coordinator.close().await();
    } finally {
      pool.shutdownNow();
      vertx.close().await();
    }
  }
}
