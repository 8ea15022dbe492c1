package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Compressed updates end to end: a real coordinator and three SDK clients over mutual TLS with signed uploads (so
 * each signature covers the compressed frames), on loopback. Every compression trains the model, every round
 * aggregates all three updates, and the coordinator's bytes_up shrinks as the encoding promises while bytes_down (the
 * float32 model) stays the same.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompressionIT {
  // 32 inputs, 256 hidden, 2 classes: 8,962 parameters, so per-chunk framing is small beside the data
  private static final ModelArchitecture MODEL = new ModelArchitecture(ModelArchitecture.Kind.MLP, List.of(32), 2,
      List.of(256), List.of());
  private static final int ROUNDS = 3;
  private Vertx vertx;
  private Nd4jTrainer trainer;

  @BeforeAll
  void setUp() {
    vertx = Vertx.vertx();
    trainer = new Nd4jTrainer();
  }

  @AfterAll
  void tearDown() {
    vertx.close().await();
    trainer.close();
  }

  /** Two blobs; the label is the sign of the first feature. */
  private static LocalDataset blobs(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n * 32];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
      for (int j = 0; j < 32; j++) {
        x[i * 32 + j] = (float) (r.nextGaussian() * 0.5 + (j == 0 ? (y[i] == 1 ? 1.5 : -1.5) : 0));
      }
    }
    return LocalDataset.of(x, y, List.of(32), 2);
  }

  /** A run of {@link #ROUNDS} rounds with {@code compression}; returns its records after checking it learned. */
  private List<RoundRecord> run(UpdateCompression compression) throws Exception {
    Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL)
        .secureAggregation(SecureAggregationSettings.off()).compression(compression).rounds(ROUNDS).minClients(3)
        .train(new TrainSettings(1, 8, 0.1, Optimizer.SGD, 0.5, 0)).roundTimeout(Duration.ofSeconds(60))
        .pollWait(Duration.ofSeconds(2)).seed(4).build()).await();
    try {
      URI url = URI.create(coordinator.url());
      ClientResilienceIT.SyncTrainer shared = new ClientResilienceIT.SyncTrainer(trainer);
      List<CompletableFuture<ClientReport>> runs = List.of(1, 2, 3).stream().map(i -> {
        LocalDataset data = blobs(64, i);
        CohortClient client = CohortClient.builder().coordinator(url).name("c" + i)
            .trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken())
            .data(DatasetSource.of(data, data)).trainer(shared).requireSecureAggregation(false)
            .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 20))
            .pollWait(Duration.ofSeconds(2)).build();
        return CompletableFuture.supplyAsync(client::run);
      }).toList();
      List<RoundRecord> rounds = coordinator.completion().await();
      for (CompletableFuture<ClientReport> r : runs) {
        ClientReport report = r.get(60, TimeUnit.SECONDS);
        assertThat(report.roundsTrained()).as("%s: rounds trained", compression).isEqualTo(ROUNDS);
        assertThat(report.updatesRejected()).as("%s: updates refused", compression).isZero();
      }
      assertThat(rounds).hasSize(ROUNDS).allSatisfy(r -> {
        assertThat(r.completed()).isTrue();
        assertThat(r.accepted()).isEqualTo(3);
        assertThat(r.bytesUp()).isPositive();
        assertThat(r.bytesDown()).isGreaterThanOrEqualTo(3L * 4 * MODEL.parameterCount()); // each client's download
      });
      double accuracy = trainer.evaluate(MODEL, rounds.get(ROUNDS - 1).parameters(), blobs(300, 99), 100)
          .accuracy();
      assertThat(accuracy).as("%s: held-out accuracy", compression).isGreaterThan(0.9);
      return rounds;
    } finally {
      coordinator.close().await();
    }
  }

  private static long up(List<RoundRecord> rounds) {
    return rounds.stream().mapToLong(RoundRecord::bytesUp).sum();
  }

  private static long down(List<RoundRecord> rounds) {
    return rounds.stream().mapToLong(RoundRecord::bytesDown).sum();
  }

  @Test
  void compressedRounds_aggregateAndLearn_whileBytesUpShrinkAsPromised() throws Exception {
    List<RoundRecord> none = run(UpdateCompression.NONE);
    List<RoundRecord> q8 = run(UpdateCompression.q8());
    List<RoundRecord> q4 = run(UpdateCompression.q4());
    List<RoundRecord> topK = run(UpdateCompression.topK(0.1));
    System.out.printf("bytes_up over %d rounds: none %d, q8 %d, q4 %d, topk:0.1 %d; bytes_down %d%n", ROUNDS,
        up(none), up(q8), up(q4), up(topK), down(none));
    // float32 is 4 bytes a value; q8 1 byte plus a 4-byte scale per 256; q4 half a byte; top-k 10 % of
    // (4 bytes + a 1-2 byte index delta)
    assertThat((double) up(none) / up(q8)).isGreaterThanOrEqualTo(3.5);
    assertThat((double) up(none) / up(q4)).isGreaterThanOrEqualTo(6.5);
    assertThat((double) up(none) / up(topK)).isGreaterThanOrEqualTo(6.0);
    // the float32 upload carries every value: at least 4 bytes each, 3 clients, every round
    assertThat(up(none)).isGreaterThanOrEqualTo(ROUNDS * 3L * 4 * MODEL.parameterCount());
    // downloads are float32 models in every run, so the same size (run ids have one length)
    assertThat(down(q8)).isEqualTo(down(none));
    assertThat(down(topK)).isEqualTo(down(none));
  }
}
