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
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real SDK against a real coordinator on loopback: retries, leaving and rejoining, a full multi-client run. */
class ClientResilienceIT {
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

  /** Two linearly separable blobs; label = sign of the first feature. */
  static LocalDataset blobs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * 8];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
      for (int j = 0; j < 8; j++) {
        x[i * 8 + j] = (float) (r.nextGaussian() * 0.5 + (j == 0 ? (y[i] == 1 ? 1.5 : -1.5) : 0));
      }
    }
    return LocalDataset.of(x, y, List.of(8), 2);
  }

  private CoordinatorConfig.Builder config(int rounds, int minClients) {
    return CoordinatorConfig.builder(MODEL).insecure().secureAggregation(SecureAggregationSettings.off()).rounds(rounds)
        .minClients(minClients)
        .train(new TrainSettings(1, 8, 0.1, Optimizer.SGD, 0.5, 0)).roundTimeout(Duration.ofSeconds(30))
        .pollWait(Duration.ofSeconds(2));
  }

  private CohortClient client(URI url, String name, long seed, LocalTrainer t) {
    LocalDataset data = blobs(64, seed);
    return CohortClient.builder().coordinator(url).name(name).data(DatasetSource.of(data, data)).trainer(t)
        .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 60))
        .pollWait(Duration.ofSeconds(2)).requireSecureAggregation(false).insecure().build();
  }

  @Test
  void run_threeClients_everyRoundAggregatesAllAndTheModelLearns() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, config(3, 3).build()).await();
    URI url = URI.create(coordinator.url());
    List<CompletableFuture<ClientReport>> runs = List.of(1, 2, 3).stream()
        .map(i -> CompletableFuture.supplyAsync(() -> client(url, "c" + i, i, new SyncTrainer(trainer)).run()))
        .toList();
    List<RoundRecord> rounds = coordinator.completion().await();
    assertThat(rounds).hasSize(3).allSatisfy(r -> {
      assertThat(r.completed()).isTrue();
      assertThat(r.accepted()).isEqualTo(3);
      assertThat(r.examples()).isEqualTo(3 * 64);
    });
    for (CompletableFuture<ClientReport> run : runs) {
      ClientReport report = run.get(30, TimeUnit.SECONDS);
      assertThat(report.roundsTrained()).isEqualTo(3);
      assertThat(report.updatesRejected()).isZero();
      assertThat(report.finishReason()).contains("completed 3 rounds");
    }
    LocalDataset holdOut = blobs(200, 99);
    double before = trainer.evaluate(MODEL, MODEL.initialParameters(1), holdOut, 50).accuracy();
    double after = trainer.evaluate(MODEL, rounds.get(2).parameters(), holdOut, 50).accuracy();
    assertThat(after).isGreaterThan(0.9).isGreaterThan(before);
    coordinator.close().await();
  }

  @Test
  void run_coordinatorStartsLate_clientRetriesWithBackoffThenTrains() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    CompletableFuture<ClientReport> run = CompletableFuture.supplyAsync(() ->
        client(URI.create("http://127.0.0.1:" + port), "early", 1, new SyncTrainer(trainer)).run());
    Thread.sleep(800); // the client meets "connection refused" meanwhile
    assertThat(run).isNotDone();
    Coordinator coordinator = Coordinator.start(vertx, config(2, 1).port(port).build()).await();
    ClientReport report = run.get(60, TimeUnit.SECONDS);
    assertThat(report.roundsTrained()).isEqualTo(2);
    coordinator.close().await();
  }

  @Test
  void stop_duringRoundTwo_clientLeaves_roundFails_andTheClientRejoinsUnderTheSameName() throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, config(4, 1).build()).await();
    URI url = URI.create(coordinator.url());
    CountDownLatch inSecondFit = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LocalTrainer gated = new SyncTrainer(trainer) {
      private int calls;

      @Override
      public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
        if (++calls == 2) {
          inSecondFit.countDown();
          try {
            release.await(30, TimeUnit.SECONDS); // a long local training
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.fit(model, initial, data, plan);
      }
    };
    CohortClient first = client(url, "alpha", 1, gated);
    CompletableFuture<ClientReport> firstRun = CompletableFuture.supplyAsync(first::run);
    assertThat(inSecondFit.await(30, TimeUnit.SECONDS)).isTrue();
    first.stop(); // leaves while round 2 waits for its update
    release.countDown();
    ClientReport left = firstRun.get(30, TimeUnit.SECONDS);
    assertThat(left.roundsTrained()).isEqualTo(1);
    assertThat(left.updatesRejected()).isEqualTo(1); // its late round-2 update: the client id is gone

    ClientReport rejoined = client(url, "alpha", 1, new SyncTrainer(trainer)).run();
    List<RoundRecord> rounds = coordinator.completion().await();
    assertThat(rounds).extracting(RoundRecord::completed).containsExactly(true, false, true, true);
    assertThat(rounds.get(1).failures()).singleElement()
        .satisfies(f -> assertThat(f.reason()).isEqualTo("left the federation"));
    assertThat(rejoined.roundsTrained()).isEqualTo(2);
    assertThat(rejoined.clientId()).isNotEqualTo(left.clientId());
    coordinator.close().await();
  }

  /** Lets several client threads share one ND4J trainer, one call at a time. */
  static class SyncTrainer implements LocalTrainer {
    private final LocalTrainer delegate;

    SyncTrainer(LocalTrainer delegate) {
      this.delegate = delegate;
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      synchronized (delegate) {
        return delegate.fit(model, initial, data, plan);
      }
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batchSize) {
      synchronized (delegate) {
        return delegate.evaluate(model, parameters, data, batchSize);
      }
    }

    @Override
    public void close() {}
  }
}
