package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.crypto.secagg.Quantizer;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.testing.RecordingProxy;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Secure aggregation end to end over real mutual TLS: the real SDK against a real coordinator on loopback, with clients
 * enrolling with one-time tokens and crashing (and restarting) at each stage of a round. Local training is replaced by
 * known updates, so the securely aggregated model can be checked against the plaintext weighted FedAvg of the clients
 * whose input was summed.
 */
class SecureAggregationIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2); // 18 parameters
  private static final double CLIP = 1.0;
  private static final long MAX_WEIGHT = 1000;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /**
   * Client {@code i}'s update: coordinate j moves by (i + 1) * (j + 1) / 200 (at most 0.9, inside the clip range), so
   * every client's is distinct.
   */
  static float[] delta(int client) {
    float[] d = new float[MODEL.parameterCount()];
    for (int j = 0; j < d.length; j++) {
      d[j] = (client + 1) * (j + 1) / 200f;
    }
    return d;
  }

  static int examples(int client) {
    return 10 + 7 * client;
  }

  /** Returns the known update of its client instead of training. */
  static final class KnownUpdateTrainer implements LocalTrainer {
    private final int client;
    volatile float[] lastInitial;

    KnownUpdateTrainer(int client) {
      this.client = client;
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      lastInitial = initial.clone();
      float[] out = initial.clone();
      float[] d = delta(client);
      for (int i = 0; i < out.length; i++) {
        out[i] += d[i];
      }
      return new FitOutcome(out, data.size(), 0.5, 0.5);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return new EvaluationOutcome(data.size(), 0.5, 0.5);
    }

    @Override
    public void close() {}
  }

  private record Federation(Coordinator coordinator, List<CompletableFuture<ClientReport>> runs,
      List<KnownUpdateTrainer> trainers) {}

  private Federation start(int clients, int rounds, int neighbours, URI url, Map<Integer, CrashInjector> crashes,
      Coordinator coordinator) {
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    List<KnownUpdateTrainer> trainers = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      int n = examples(i);
      LocalDataset data = LocalDataset.of(new float[n * 8], new int[n], List.of(8), 2);
      KnownUpdateTrainer trainer = new KnownUpdateTrainer(i);
      trainers.add(trainer);
      CohortClient.Builder builder = CohortClient.builder().coordinator(url).name(String.format("c%02d", i))
          .data(DatasetSource.of(data, data)).trainer(trainer)
          .crashInjector(crashes.getOrDefault(i, CrashInjector.NEVER))
          .retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 40))
          .pollWait(Duration.ofSeconds(2));
      if (coordinator.tls()) { // enrol with a one-time token, then mutual TLS and signed messages
        builder.trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken());
      } else {
        builder.insecure();
      }
      CohortClient client = builder.build();
      runs.add(CompletableFuture.supplyAsync(client::run));
    }
    return new Federation(coordinator, runs, trainers);
  }

  /** A coordinator over real TLS (mutual TLS after enrolment), or over cleartext when {@code cleartext}. */
  private Coordinator coordinator(int clients, int rounds, int neighbours) {
    return coordinator(clients, rounds, neighbours, false);
  }

  private Coordinator coordinator(int clients, int rounds, int neighbours, boolean cleartext) {
    CoordinatorConfig.Builder config = CoordinatorConfig.builder(MODEL);
    if (cleartext) {
      config.insecure();
    }
    return Coordinator.start(vertx, config.rounds(rounds).minClients(3)
        .minAvailable(clients).pollWait(Duration.ofSeconds(2)).roundTimeout(Duration.ofSeconds(60))
        .secureAggregation(SecureAggregationSettings.on().withNeighbours(neighbours).withClipRange(CLIP)
            .withMaxWeight(MAX_WEIGHT).withStageTimeout(Duration.ofSeconds(20)))
        .build()).await();
  }

  private static List<RoundRecord> finish(Federation f) throws Exception {
    List<RoundRecord> rounds = f.coordinator().completion().toCompletionStage().toCompletableFuture()
        .get(2, TimeUnit.MINUTES);
    for (CompletableFuture<ClientReport> run : f.runs()) {
      run.get(1, TimeUnit.MINUTES);
    }
    return rounds;
  }

  /** The plaintext FedAvg step over {@code summed} clients, applied to {@code global}. */
  private static float[] expected(float[] global, List<Integer> summed) {
    double[] sum = new double[global.length];
    double weight = 0;
    for (int i : summed) {
      float[] d = delta(i);
      for (int j = 0; j < d.length; j++) {
        sum[j] += examples(i) * (double) d[j];
      }
      weight += examples(i);
    }
    float[] out = new float[global.length];
    for (int j = 0; j < out.length; j++) {
      out[j] = (float) (global[j] + sum[j] / weight);
    }
    return out;
  }

  private static void assertClose(float[] actual, float[] expected, double tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int j = 0; j < actual.length; j++) {
      assertThat((double) actual[j]).as("parameter %d", j).isCloseTo(expected[j],
          org.assertj.core.data.Offset.offset(tolerance));
    }
  }

  /**
   * One client (of six, masking with k = 4 neighbours, threshold 3) crashes just before it answers {@code stage} of
   * round 1. The round still completes: a crash before the masked input leaves the client out of the sum (its pairwise
   * masks are reconstructed from its neighbours' shares), a crash before unmasking leaves its input in.
   */
  @ParameterizedTest
  @EnumSource(value = RoundStage.class, names = {"ADVERTISE_KEYS", "SHARE_KEYS", "MASKED_INPUT", "UNMASK"})
  void secureRound_clientCrashesAtStage_roundCompletesWithTheExactAggregateOfTheSummedInputs(RoundStage stage)
      throws Exception {
    int clients = 6;
    int crasher = 3;
    Coordinator coordinator = coordinator(clients, 2, 4);
    Federation f = start(clients, 2, 4, URI.create(coordinator.url()),
        Map.of(crasher, (round, s) -> round == 1 && s == stage), coordinator);
    List<RoundRecord> rounds = finish(f);

    List<Integer> summed = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      if (i != crasher || stage == RoundStage.UNMASK) {
        summed.add(i);
      }
    }
    RoundRecord first = rounds.get(0);
    assertThat(first.completed()).as(first.failureReason() == null ? "" : first.failureReason()).isTrue();
    assertThat(first.accepted()).isEqualTo(summed.size());
    assertThat(first.examples()).isEqualTo(summed.stream().mapToLong(SecureAggregationIT::examples).sum());
    float[] initial = MODEL.initialParameters(1);
    // Quantisation error per coordinate is at most n * 0.5 / scale * maxWeight / totalWeight, far below 1e-5 here.
    assertClose(first.parameters(), expected(initial, summed), 1e-5);
    assertThat(rounds.get(1).completed()).isTrue(); // the crashed client restarted and took part again
    assertThat(rounds.get(1).accepted()).isEqualTo(clients);
  }

  /**
   * Ten clients in full SecAgg (k = 9, t = 5) and a crash at every stage of the same round: four of ten lost, the
   * most this threshold survives (a survivor's self-mask seed needs five of its neighbours to answer the unmask).
   */
  @Test
  void secureRound_crashesAtEveryStageInOneRound_aggregateIsTheSurvivorsFedAvg() throws Exception {
    int clients = 10;
    Map<Integer, CrashInjector> crashes = new HashMap<>();
    crashes.put(1, (round, s) -> round == 1 && s == RoundStage.ADVERTISE_KEYS);
    crashes.put(2, (round, s) -> round == 1 && s == RoundStage.SHARE_KEYS);
    crashes.put(4, (round, s) -> round == 1 && s == RoundStage.MASKED_INPUT);
    crashes.put(7, (round, s) -> round == 1 && s == RoundStage.UNMASK);
    Coordinator coordinator = coordinator(clients, 1, clients - 1);
    List<RoundRecord> rounds = finish(start(clients, 1, clients - 1, URI.create(coordinator.url()), crashes,
        coordinator));
    List<Integer> summed = List.of(0, 3, 5, 6, 7, 8, 9);
    RoundRecord first = rounds.get(0);
    assertThat(first.completed()).as(String.valueOf(first.failureReason())).isTrue();
    assertThat(first.accepted()).isEqualTo(summed.size());
    assertThat(first.failures()).hasSize(3);
    assertClose(first.parameters(), expected(MODEL.initialParameters(1), summed), 1e-5);
  }

  /**
   * Everything the coordinator receives and sends passes through a recording proxy. No client's update appears in it,
   * neither as float32 (as a plain upload would carry it) nor as its quantised 32-bit encoding (what a client masks):
   * the coordinator cannot store or log what it never received.
   */
  @Test
  void secureRound_everyByteOnTheWire_containsNoClientsPlaintextUpdate() throws Exception {
    int clients = 4;
    // Cleartext, so that the proxy sees what the coordinator's application receives and sends (under TLS the same
    // bytes, decrypted); every other test here runs over real mutual TLS.
    Coordinator coordinator = coordinator(clients, 2, 0, true);
    List<RoundRecord> rounds;
    byte[] toServer;
    byte[] fromServer;
    try (RecordingProxy proxy = new RecordingProxy(URI.create(coordinator.url()).getPort())) {
      rounds = finish(start(clients, 2, 0, URI.create("http://127.0.0.1:" + proxy.port()), Map.of(), coordinator));
      toServer = proxy.toServer();
      fromServer = proxy.fromServer();
    }
    assertThat(rounds).allSatisfy(r -> assertThat(r.completed()).isTrue());
    assertThat(toServer.length).as("the proxy saw the uploads").isGreaterThan(clients * 2 * 4 * 19);
    Quantizer quantizer = new Quantizer(CLIP, MAX_WEIGHT, clients);
    for (int i = 0; i < clients; i++) {
      float[] d = delta(i);
      byte[] asFloats = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putFloat(d[0]).putFloat(d[1])
          .putFloat(d[2]).putFloat(d[3]).putFloat(d[4]).putFloat(d[5]).putFloat(d[6]).putFloat(d[7]).array();
      int[] q = quantizer.encode(d, examples(i));
      ByteBuffer quantised = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < 8; j++) {
        quantised.putInt(q[j]);
      }
      for (byte[] wire : List.of(toServer, fromServer)) {
        assertThat(RecordingProxy.contains(wire, asFloats)).as("client %d's float update on the wire", i).isFalse();
        assertThat(RecordingProxy.contains(wire, quantised.array()))
            .as("client %d's quantised update on the wire", i).isFalse();
      }
    }
  }
}
