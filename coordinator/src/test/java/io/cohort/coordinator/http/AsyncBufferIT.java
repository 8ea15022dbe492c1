package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.coordinator.AsyncSettings;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FedBuff over the real protocol: a buffer of K updates makes a server step while slower clients keep training, a
 * stale update joins a later buffer scaled by (1 + s)^-1/2, and replays, wrong tasks and too-stale updates are refused
 * with precise errors without touching the buffer.
 */
class AsyncBufferIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private final List<RoundRecord> records = new CopyOnWriteArrayList<>();

  private void start(int buffer, int maxStaleness, int rounds) {
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(rounds).minClients(1).minAvailable(3)
        .roundTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofSeconds(2)).seed(5)
        .async(new AsyncSettings(buffer, maxStaleness)).build()).await();
    coordinator.onRound(records::add);
    raw = new RawClient(coordinator.url());
  }

  @AfterEach
  void stop() {
    coordinator.close().await();
    vertx.close().await();
  }

  @Test
  void async_slowClientsUpdate_joinsTheNextBufferWeightedByStaleness() throws Exception {
    start(2, 1, 2);
    List<Client> clients = joinThree();
    Client a = clients.get(0);
    Client b = clients.get(1);
    Client c = clients.get(2);
    assertThat(List.of(a.first.getRound(), b.first.getRound(), c.first.getRound())).containsOnly(1);
    assertThat(c.first.getModelVersion()).isZero();
    float[] v0 = download(a.who, c.first.getRunId(), 0);

    assertThat(upload(a.who, a.first, 1f).status()).isEqualTo(200);
    assertThat(upload(b.who, b.first, 3f).status()).isEqualTo(200); // the buffer of 2 is full: server step 1

    RoundRecord step1 = awaitRecord(1);
    assertThat(step1.accepted()).isEqualTo(2);
    assertThat(step1.failures()).as("c is still training, not failed").isEmpty();
    assertClose(step1.parameters(), plus(v0, 2f)); // mean of 1 and 3, equal example counts

    FitTask aSecond = fit(a.who);
    assertThat(aSecond.getRound()).isEqualTo(2);
    assertThat(aSecond.getModelVersion()).isEqualTo(step1.modelVersion());
    assertThat(fit(c.who)).as("c keeps the task it is training on").isEqualTo(c.first);
    assertThat(download(c.who, c.first.getRunId(), 0)).as("the model c started from is still served").isEqualTo(v0);

    RawClient.Reply replay = upload(a.who, a.first, 1f);
    assertThat(replay.status()).isEqualTo(409);
    assertThat(replay.error().getCode()).isEqualTo(ErrorCode.ROUND_NOT_OPEN);
    assertThat(replay.error().getMessage()).contains("its task is round 2 on version 1");

    assertThat(upload(c.who, c.first, 4f).status()).isEqualTo(200); // staleness 1: scaled by 1/sqrt(2)
    RawClient.Reply again = upload(c.who, c.first, 4f);
    assertThat(again.error().getCode()).isEqualTo(ErrorCode.DUPLICATE_UPDATE);
    assertThat(upload(a.who, aSecond, 2f).status()).isEqualTo(200); // server step 2

    RoundRecord step2 = awaitRecord(2);
    assertThat(step2.accepted()).isEqualTo(2);
    assertClose(step2.parameters(), plus(step1.parameters(), (float) ((4 / Math.sqrt(2) + 2) / 2)));
  }

  @Test
  void async_updateStalerThanTheMaximum_refusedAndItsClientGetsTheCurrentModel() throws Exception {
    start(2, 0, 2);
    List<Client> clients = joinThree();
    Client a = clients.get(0);
    Client b = clients.get(1);
    Client c = clients.get(2);
    assertThat(upload(a.who, a.first, 1f).status()).isEqualTo(200);
    assertThat(upload(b.who, b.first, 1f).status()).isEqualTo(200);
    RoundRecord step1 = awaitRecord(1);

    RawClient.Reply stale = upload(c.who, c.first, 100f);

    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.error().getCode()).isEqualTo(ErrorCode.STALE_MODEL);
    assertThat(stale.error().getMessage()).contains("1 server steps behind").contains("at most 0 accepted");
    FitTask cSecond = fit(c.who);
    assertThat(cSecond.getModelVersion()).isEqualTo(step1.modelVersion());
    assertThat(upload(c.who, cSecond, 3f).status()).isEqualTo(200);
    assertThat(upload(a.who, fit(a.who), 5f).status()).isEqualTo(200);
    RoundRecord step2 = awaitRecord(2);
    assertClose(step2.parameters(), plus(step1.parameters(), 4f)); // no trace of the refused 100
  }

  @Test
  void async_taskOnAModelThatAgedOut_isReplacedWhenTheClientPolls() throws Exception {
    start(2, 0, 2); // max staleness 0: no older model stays downloadable
    List<Client> clients = joinThree();
    Client a = clients.get(0);
    Client b = clients.get(1);
    Client c = clients.get(2); // c will not have downloaded version 0 before it ages out
    assertThat(upload(a.who, a.first, 1f).status()).isEqualTo(200);
    assertThat(upload(b.who, b.first, 1f).status()).isEqualTo(200);
    RoundRecord step1 = awaitRecord(1);

    RawClient.Reply gone = raw.get("/v1/runs/" + c.first.getRunId() + "/models/0", c.who.getClientId(),
        c.who.getClientToken());
    assertThat(gone.status()).isEqualTo(404);
    FitTask cSecond = fit(c.who);

    assertThat(cSecond.getModelVersion()).as("a task on a model it can download").isEqualTo(step1.modelVersion());
    assertThat(download(c.who, cSecond.getRunId(), cSecond.getModelVersion())).isEqualTo(step1.parameters());
  }

  /** A registered client and the first fit task it polled. */
  private record Client(RegisterResponse who, FitTask first) {}

  /** Registers a, b and c (the buffer opens once all three are there), then polls each one's first fit task. */
  private List<Client> joinThree() throws Exception {
    List<RegisterResponse> who = List.of(raw.register("a"), raw.register("b"), raw.register("c"));
    List<Client> clients = new ArrayList<>();
    for (RegisterResponse r : who) {
      clients.add(new Client(r, fit(r)));
    }
    return clients;
  }

  private FitTask fit(RegisterResponse who) throws Exception {
    for (int attempt = 0; attempt < 10; attempt++) { // bounded: a server step takes milliseconds
      var task = raw.poll(who, 1000);
      if (task.hasFit()) {
        return task.getFit();
      }
    }
    throw new AssertionError("no fit task for " + who.getClientId() + " within 10 polls");
  }

  private RoundRecord awaitRecord(int round) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      for (RoundRecord r : records) {
        if (r.round() == round) {
          return r;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("server step " + round + " not recorded within 10 s; records: " + records);
  }

  private float[] download(RegisterResponse who, String runId, long version) throws Exception {
    RawClient.Reply reply = raw.get("/v1/runs/" + runId + "/models/" + version, who.getClientId(),
        who.getClientToken());
    assertThat(reply.status()).isEqualTo(200);
    ByteArrayInputStream in = new ByteArrayInputStream(reply.body());
    Frames.readRequired(in, ModelHeader.parser(), "header");
    float[] parameters = new float[MODEL.parameterCount()];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MODEL.tensors(), parameters);
    TensorChunk chunk;
    while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
      assembler.accept(chunk);
    }
    assembler.finish();
    return parameters;
  }

  private RawClient.Reply upload(RegisterResponse who, FitTask task, float value) throws Exception {
    UpdateHeader header = UpdateHeader.newBuilder().setClientId(who.getClientId())
        .setClientToken(who.getClientToken()).setRunId(task.getRunId()).setRound(task.getRound())
        .setModelVersion(task.getModelVersion()).setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build();
    float[] delta = new float[MODEL.parameterCount()];
    Arrays.fill(delta, value);
    List<com.google.protobuf.MessageLite> all = new ArrayList<>();
    all.add(header);
    all.addAll(TensorChunks.split(MODEL.tensors(), delta, 1 << 20));
    return raw.post("/v1/updates", RawClient.frames(all));
  }

  private static float[] plus(float[] base, float shift) {
    float[] out = base.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] += shift;
    }
    return out;
  }

  private static void assertClose(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      assertThat(actual[i]).as("parameter %d", i).isCloseTo(expected[i], within(1e-5f));
    }
  }
}
