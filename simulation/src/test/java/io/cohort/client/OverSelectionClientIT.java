package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Over-selection with real SDK clients on a real coordinator over loopback: 3 live clients, fraction 0.5 (K = 2) and
 * over-selection 0.5 invite all 3 and aggregate the first 2 updates. Client c trains past the end of round 1 and
 * client a past the end of round 2 (each holds its training until the coordinator records that round); each gets
 * ROUND_NOT_OPEN for that late update, counts it as refused, and carries on: c trains in round 2, and every client
 * ends normally when the run finishes.
 */
class OverSelectionClientIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2);
  private Vertx vertx;
  private Nd4jTrainer trainer;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    trainer = new Nd4jTrainer();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
    trainer.close();
  }

  /** Holds the {@code slowCall}-th training until {@code roundDone} opens (at most 30 s). */
  private LocalTrainer lateAt(int slowCall, CountDownLatch roundDone) {
    return new ClientResilienceIT.SyncTrainer(trainer) {
      private int calls;

      @Override
      public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
        if (++calls == slowCall) {
          try {
            assertThat(roundDone.await(30, TimeUnit.SECONDS)).isTrue();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.fit(model, initial, data, plan);
      }
    };
  }

  private static CompletableFuture<ClientReport> run(URI url, String name, LocalTrainer t) {
    LocalDataset data = ClientResilienceIT.blobs(64, name.hashCode());
    CohortClient client = CohortClient.builder().coordinator(url).name(name).data(DatasetSource.of(data, data))
        .trainer(t).retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 60))
        .pollWait(Duration.ofSeconds(2)).requireSecureAggregation(false).insecure().build();
    return CompletableFuture.supplyAsync(client::run);
  }

  @Test
  void lateClient_getsRoundNotOpen_isNotAFailureOfTheClient_andTrainsNextRound() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(2).fraction(0.5).minClients(1).minAvailable(3)
        .overSelection(0.5).train(new TrainSettings(1, 8, 0.1, Optimizer.SGD, 0.5, 0))
        .roundTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofSeconds(2)).build()).await();
    CountDownLatch round1 = new CountDownLatch(1);
    CountDownLatch round2 = new CountDownLatch(1);
    coordinator.onRound(r -> (r.round() == 1 ? round1 : round2).countDown());
    URI url = URI.create(coordinator.url());
    CompletableFuture<ClientReport> a = run(url, "a", lateAt(2, round2));
    CompletableFuture<ClientReport> b = run(url, "b", new ClientResilienceIT.SyncTrainer(trainer));
    CompletableFuture<ClientReport> c = run(url, "c", lateAt(1, round1));

    List<RoundRecord> rounds = coordinator.completion().await();
    assertThat(rounds).hasSize(2).allSatisfy(r -> {
      assertThat(r.completed()).isTrue();
      assertThat(r.invited()).isEqualTo(3);
      assertThat(r.accepted()).isEqualTo(2);
      assertThat(r.late()).isEqualTo(1);
      assertThat(r.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("over-selection"));
    });
    ClientReport ra = a.get(30, TimeUnit.SECONDS);
    ClientReport rb = b.get(30, TimeUnit.SECONDS);
    ClientReport rc = c.get(30, TimeUnit.SECONDS);
    assertThat(rounds.get(0).failures().get(0).clientId()).isEqualTo(rc.clientId());
    assertThat(rounds.get(1).failures().get(0).clientId()).isEqualTo(ra.clientId());
    assertThat(List.of(ra, rb, rc)).allSatisfy(r -> assertThat(r.finishReason()).contains("completed 2 rounds"));
    assertThat(ra.roundsTrained()).isEqualTo(1);
    assertThat(ra.updatesRejected()).isEqualTo(1);
    assertThat(rb.roundsTrained()).isEqualTo(2);
    assertThat(rb.updatesRejected()).isZero();
    assertThat(rc.roundsTrained()).as("c, late in round 1, trains in round 2").isEqualTo(1);
    assertThat(rc.updatesRejected()).isEqualTo(1);
    String metrics = coordinator.metrics().await();
    Matcher m = Pattern.compile("(?m)^cohort_updates_rejected_total\\{reason=\"ROUND_NOT_OPEN\"[^}]*} (\\S+)$")
        .matcher(metrics);
    assertThat(m.find()).as(metrics).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isEqualTo(2.0);
    coordinator.close().await();
  }
}
