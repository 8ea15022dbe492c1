package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.privacy.DpConfig;
import io.cohort.privacy.RdpAccountant;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Client-level differential privacy (DP-FedAvg) end to end: real SDK clients against a real coordinator on loopback,
 * with known updates, so the clipped aggregate, the epsilon per round and the budget stop can be checked exactly.
 */
class DifferentialPrivacyIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2); // 18 parameters
  private static final int CLIENTS = 4;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private List<RoundRecord> run(int rounds, SecureAggregationSettings secure, DpConfig dp) throws Exception {
    // Cleartext: this test is about the privacy of the aggregate; MutualTlsIT covers the transport.
    Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure().rounds(rounds)
        .minClients(CLIENTS).pollWait(Duration.ofSeconds(2)).roundTimeout(Duration.ofSeconds(60))
        .secureAggregation(secure).differentialPrivacy(dp).build()).await();
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      int n = SecureAggregationIT.examples(i);
      LocalDataset data = LocalDataset.of(new float[n * 8], new int[n], List.of(8), 2);
      CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url()))
          .name("c" + i).data(DatasetSource.of(data, data)).trainer(new SecureAggregationIT.KnownUpdateTrainer(i))
          .requireSecureAggregation(secure.enabled()).insecure()
          .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 40))
          .pollWait(Duration.ofSeconds(2)).build();
      runs.add(CompletableFuture.supplyAsync(client::run));
    }
    List<RoundRecord> records = coordinator.completion().toCompletionStage().toCompletableFuture()
        .get(2, TimeUnit.MINUTES);
    for (CompletableFuture<ClientReport> r : runs) {
      r.get(1, TimeUnit.MINUTES);
    }
    return records;
  }

  /** The unweighted mean of the clients' updates, each clipped to L2 norm {@code clip}. */
  private static float[] clippedMean(double clip) {
    double[] sum = new double[MODEL.parameterCount()];
    for (int i = 0; i < CLIENTS; i++) {
      float[] d = SecureAggregationIT.delta(i);
      double norm = 0;
      for (float v : d) {
        norm += (double) v * v;
      }
      double scale = Math.min(1, clip / Math.sqrt(norm));
      for (int j = 0; j < d.length; j++) {
        sum[j] += d[j] * scale;
      }
    }
    float[] mean = new float[sum.length];
    for (int j = 0; j < mean.length; j++) {
      mean[j] = (float) (sum[j] / CLIENTS);
    }
    return mean;
  }

  private static void assertModelMovedBy(RoundRecord r, float[] mean, double tolerance) {
    float[] initial = MODEL.initialParameters(1);
    for (int j = 0; j < mean.length; j++) {
      assertThat((double) r.parameters()[j]).as("parameter %d", j).isCloseTo(initial[j] + mean[j],
          within(tolerance));
    }
  }

  private static DpConfig dp(double z, DpConfig.Clip clip, DpConfig.Mode mode, OptionalDouble budget) {
    return new DpConfig(z, clip, 1e-5, budget, mode);
  }

  @Test
  void plainRound_zeroNoise_aggregateIsTheUnweightedMeanOfClippedUpdates() throws Exception {
    // Every client's update has norm above 0.3, so each is clipped; weights are 1, not the example counts.
    List<RoundRecord> records = run(1, SecureAggregationSettings.off(),
        dp(0, new DpConfig.FixedClip(0.3), DpConfig.Mode.CENTRAL, OptionalDouble.empty()));
    assertThat(records.get(0).completed()).isTrue();
    assertThat(records.get(0).clipNorm()).isEqualTo(0.3);
    assertThat(records.get(0).epsilon()).isInfinite(); // no noise: no privacy
    assertModelMovedBy(records.get(0), clippedMean(0.3), 1e-6);
  }

  @Test
  void secureRound_zeroNoise_aggregateIsTheUnweightedMeanOfClippedUpdates() throws Exception {
    List<RoundRecord> records = run(1, SecureAggregationSettings.on(),
        dp(0, new DpConfig.FixedClip(0.3), DpConfig.Mode.CENTRAL, OptionalDouble.empty()));
    assertThat(records.get(0).completed()).isTrue();
    assertThat(records.get(0).examples()).isEqualTo(CLIENTS); // weight 1 each, summed securely
    assertModelMovedBy(records.get(0), clippedMean(0.3), 1e-5);
  }

  @Test
  void secureDistributedAdaptive_epsilonMatchesTheAccountantAndGrowsEveryRound() throws Exception {
    double z = 1.2;
    List<RoundRecord> records = run(3, SecureAggregationSettings.on(),
        dp(z, new DpConfig.AdaptiveClip(0.3, 0.5, 0.2, 1.0), DpConfig.Mode.DISTRIBUTED, OptionalDouble.empty()));
    assertThat(records).hasSize(3).allSatisfy(r -> assertThat(r.completed()).isTrue());
    RdpAccountant reference = new RdpAccountant();
    double previous = 0;
    for (RoundRecord r : records) {
      reference.step(z, 1.0, 1); // every live client is sampled: q = 1
      assertThat(r.epsilon()).isCloseTo(reference.epsilon(1e-5), within(1e-9)).isGreaterThan(previous);
      previous = r.epsilon();
    }
    // Adaptive clipping moved C after the first round (every update's norm is above 0.3: all clipped, C grows).
    assertThat(records.get(1).clipNorm()).isNotEqualTo(records.get(0).clipNorm());
    assertThat(records.get(0).clipNorm()).isEqualTo(0.3);
  }

  @Test
  void epsilonBudget_stopsTheRunBeforeTheRoundThatWouldExceedIt() throws Exception {
    double z = 2.0;
    RdpAccountant a = new RdpAccountant();
    a.step(z, 1.0, 2);
    double afterTwo = a.epsilon(1e-5);
    a.step(z, 1.0, 1);
    double afterThree = a.epsilon(1e-5);
    double budget = (afterTwo + afterThree) / 2;
    List<RoundRecord> records = run(5, SecureAggregationSettings.off(),
        dp(z, new DpConfig.FixedClip(0.5), DpConfig.Mode.CENTRAL, OptionalDouble.of(budget)));
    assertThat(records).hasSize(2);
    assertThat(records.get(1).epsilon()).isCloseTo(afterTwo, within(1e-9)).isLessThanOrEqualTo(budget);
  }
}
