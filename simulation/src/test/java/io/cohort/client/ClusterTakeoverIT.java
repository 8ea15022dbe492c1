package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.cluster.ClusterSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinator nodes in this JVM form a cluster; SDK clients know both. The driving node is closed (it hands its
 * lease over at once) in the middle of a secure-aggregation round: the other node takes the run over and restarts
 * that round (its masked inputs cannot be unmasked without the lost node's state) as a fresh secure-aggregation
 * instance with the same clients, whose updates then count once; the run completes on it.
 */
class ClusterTakeoverIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2);
  private static final int CLIENTS = 3;

  @TempDir Path dir;

  @Test
  void secureRound_whenItsDriverLeaves_isRestartedOnTheOtherNodeAndTheRunCompletes() throws Exception {
    Vertx vertx = Vertx.vertx();
    ClusterSettings cluster = ClusterSettings.standalone()
        .withClusterName("takeover-" + Long.toHexString(System.nanoTime())).withTakeoverTimeout(Duration.ofSeconds(2));
    CoordinatorConfig.Builder config = CoordinatorConfig.builder(MODEL).rounds(3).minClients(CLIENTS)
        .roundTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofSeconds(1))
        .secureAggregation(SecureAggregationSettings.on().withStageTimeout(Duration.ofSeconds(60)))
        .tls(TlsSettings.stateDirectory(dir.resolve("tls")));
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(CLIENTS);
    try {
      Coordinator first = Coordinator.start(vertx, config.cluster(cluster).build()).await();
      Coordinator second = Coordinator.start(vertx, config.cluster(cluster.withMembers(
          List.of(first.clusterStatus().orElseThrow().members().get(0).address()))).build()).await();
      Coordinator driving = first.driving() ? first : second;
      Coordinator standing = driving == first ? second : first;
      assertThat(driving.driving()).as("one of the two drives").isTrue();

      // Round 2: client 2 trains only when the test lets it, so the round waits in its masked-input stage.
      CountDownLatch gate = new CountDownLatch(1);
      CountDownLatch waiting = new CountDownLatch(1);
      List<URI> urls = List.of(URI.create(first.url()), URI.create(second.url()));
      for (int i = 0; i < CLIENTS; i++) {
        int client = i;
        AtomicInteger fits = new AtomicInteger();
        LocalTrainer known = new SecureAggregationIT.KnownUpdateTrainer(i);
        LocalTrainer trainer = new LocalTrainer() {
          @Override
          public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
            if (fits.incrementAndGet() == 2 && client == 2) {
              waiting.countDown();
              try {
                assertThat(gate.await(60, TimeUnit.SECONDS)).isTrue();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return known.fit(model, initial, data, plan);
          }

          @Override
          public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int b) {
            return known.evaluate(model, parameters, data, b);
          }

          @Override
          public void close() {}
        };
        LocalDataset data = LocalDataset.of(new float[10 * 8], new int[10], List.of(8), 2);
        CohortClient sdk = CohortClient.builder().coordinators(urls).name("c" + i)
            .data(DatasetSource.of(data, data)).trainer(trainer)
            .trustedCoordinatorCa(first.caCertificate()).enrolmentToken(second.issueEnrolmentToken())
            .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 60))
            .pollWait(Duration.ofSeconds(1)).build();
        runs.add(CompletableFuture.supplyAsync(sdk::run, pool));
      }
      assertThat(waiting.await(60, TimeUnit.SECONDS)).as("round 2 reached client 2's training").isTrue();
      driving.close().await(); // hands the lease over; the round's masked-input stage is still open
      gate.countDown();

      List<RoundRecord> rounds = standing.completion().toCompletionStage().toCompletableFuture()
          .get(90, TimeUnit.SECONDS);
      assertThat(rounds).extracting(RoundRecord::round).containsExactly(1, 2, 3);
      for (RoundRecord r : rounds) {
        assertThat(r.completed()).as("round %d", r.round()).isTrue();
        assertThat(r.accepted()).as("round %d", r.round()).isEqualTo(CLIENTS);
        assertThat(r.examples()).as("round %d: 3 clients x 10 examples, each once", r.round()).isEqualTo(30);
        assertThat(r.modelVersion()).isEqualTo(r.round());
      }
      for (CompletableFuture<ClientReport> run : runs) {
        assertThat(run.get(30, TimeUnit.SECONDS).finishReason()).contains("completed 3 rounds");
      }
      standing.close().await();
    } finally {
      runs.forEach(r -> r.cancel(true));
      pool.shutdownNow();
      vertx.close().await();
    }
  }
}
