package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.client.nd4j.Nd4jTrainer;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TrainSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.coordinator.strategy.Scaffold;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Optimizer;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SCAFFOLD over the wire: a real coordinator and four real SDK clients (ND4J training) on loopback, two rounds, in
 * plaintext and with secure aggregation. Each client's trainer records what it was given (x and the correction c -
 * c_i) and what it reached (y), so the control variates can be checked against the rule. Every client has 24
 * examples, batch 8, one epoch, lr 0.1, no momentum: K = 3 steps, K lr = 0.3, equal weights; all four registered
 * clients answer every round (|S| / N = 1). Then:
 *
 * <ul>
 *   <li>round 1: c = c_i = 0, so every correction is 0, and c_i becomes (x0 - y_i) / 0.3;
 *   <li>the server's c1 = mean_i (x0 - y_i) / 0.3 = -(x1 - x0) / 0.3, and a client's round-2 correction is c1 - c_i;
 *   <li>c2 = c1 + mean_i ((x1 - y_i) / 0.3 - c1) = -(x2 - x1) / 0.3, and x2 = x1 + mean_i (y_i - x1).
 * </ul>
 */
class ScaffoldWireIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2); // 18 parameters
  private static final int CLIENTS = 4;
  private static final int EXAMPLES = 24;
  private static final double K_LR = 3 * 0.1;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** One fit as the trainer saw it. */
  private record Fit(float[] start, float[] correction, float[] trained) {}

  /** The SDK's ND4J trainer, recording every fit. */
  private static final class RecordingTrainer implements LocalTrainer {
    private final Nd4jTrainer inner = new Nd4jTrainer();
    final List<Fit> fits = new CopyOnWriteArrayList<>();

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      return fit(model, initial, data, plan, null);
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan,
        float[] gradientCorrection) {
      FitOutcome outcome = inner.fit(model, initial, data, plan, gradientCorrection);
      fits.add(new Fit(initial.clone(), gradientCorrection == null ? null : gradientCorrection.clone(),
          outcome.parameters().clone()));
      return outcome;
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return inner.evaluate(model, parameters, data, batch);
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /** Two separable classes around -0.5 and +0.5 in every feature, with noise. */
  private static LocalDataset data(int client) {
    SplittableRandom random = new SplittableRandom(100 + client);
    float[] features = new float[EXAMPLES * 8];
    int[] labels = new int[EXAMPLES];
    for (int n = 0; n < EXAMPLES; n++) {
      labels[n] = random.nextInt(2);
      for (int j = 0; j < 8; j++) {
        features[n * 8 + j] = (float) ((labels[n] - 0.5) * (j % 2 == 0 ? 1 : -1) + 0.5 * random.nextGaussian());
      }
    }
    return LocalDataset.of(features, labels, List.of(8), 2);
  }

  @ParameterizedTest(name = "secure aggregation {0}")
  @ValueSource(booleans = {false, true})
  void twoRounds_controlVariatesFollowTheRule_onBothSides(boolean secure) throws Exception {
    Scaffold strategy = new Scaffold(1, CLIENTS, 1.0);
    SecureAggregationSettings secureAggregation = secure
        ? SecureAggregationSettings.on().withClipRange(4).withStageTimeout(Duration.ofSeconds(20))
        : SecureAggregationSettings.off();
    Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure().rounds(2)
        .minClients(CLIENTS).minAvailable(CLIENTS).strategy(strategy).secureAggregation(secureAggregation)
        .train(new TrainSettings(1, 8, 0.1, Optimizer.SGD, 0, 0)).pollWait(Duration.ofSeconds(2))
        .roundTimeout(Duration.ofSeconds(60)).build()).await();
    List<RecordingTrainer> trainers = new ArrayList<>();
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      RecordingTrainer trainer = new RecordingTrainer();
      trainers.add(trainer);
      LocalDataset data = data(i);
      CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url())).insecure()
          .requireSecureAggregation(secure).name("c" + i).data(DatasetSource.of(data, data)).trainer(trainer)
          .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 40))
          .pollWait(Duration.ofSeconds(2)).build();
      runs.add(CompletableFuture.supplyAsync(client::run));
    }
    List<RoundRecord> rounds;
    try {
      rounds = coordinator.completion().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
      for (CompletableFuture<ClientReport> run : runs) {
        assertThat(run.get(1, TimeUnit.MINUTES).roundsTrained()).isEqualTo(2);
      }
    } finally {
      trainers.forEach(RecordingTrainer::close);
      coordinator.close().await();
    }
    assertThat(rounds).allSatisfy(r -> assertThat(r.completed()).as(String.valueOf(r.failureReason())).isTrue());
    // Plaintext: float rounding only. Secure: the quantisation of [-4, 4] into 32-bit sums as well.
    Offset<Double> tolerance = Offset.offset(secure ? 2e-4 : 2e-5);
    int p = MODEL.parameterCount();
    float[] x0 = MODEL.initialParameters(1);
    float[] x1 = rounds.get(0).parameters();
    float[] x2 = rounds.get(1).parameters();
    double[] c1 = new double[p];
    double[] meanY1 = new double[p];
    double[] meanY2 = new double[p];
    for (RecordingTrainer trainer : trainers) {
      assertThat(trainer.fits).hasSize(2);
      Fit first = trainer.fits.get(0);
      Fit second = trainer.fits.get(1);
      assertThat(first.start()).containsExactly(x0);
      assertThat(second.start()).containsExactly(x1);
      for (int j = 0; j < p; j++) {
        assertThat(first.correction()[j]).as("round 1 correction").isZero();
        double ci = (x0[j] - (double) first.trained()[j]) / K_LR; // c_i after round 1
        double serverC1 = second.correction()[j] + ci; // the c1 this client was sent
        c1[j] += serverC1 / CLIENTS;
        assertThat(serverC1).as("c1[%d] as client %s saw it", j, trainers.indexOf(trainer))
            .isCloseTo(-(x1[j] - (double) x0[j]) / K_LR, tolerance);
        meanY1[j] += first.trained()[j] / (double) CLIENTS;
        meanY2[j] += second.trained()[j] / (double) CLIENTS;
      }
    }
    float[] c2 = strategy.controlVariate(p);
    for (int j = 0; j < p; j++) {
      assertThat((double) x1[j]).as("x1[%d]", j).isCloseTo(meanY1[j], tolerance);
      assertThat((double) x2[j]).as("x2[%d]", j).isCloseTo(meanY2[j], tolerance);
      assertThat((double) c2[j]).as("c2[%d]", j).isCloseTo(-(x2[j] - (double) x1[j]) / K_LR, tolerance);
    }
    assertThat(java.util.Arrays.stream(c1).map(Math::abs).max().orElse(0)).as("the server's c moved in round 1")
        .isGreaterThan(0.01);
  }
}
