package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Admission of uploads beyond the coordinator's validation slots, against a real coordinator with one slot: an upload
 * that finds it taken waits, its connection paused, and is validated when the slot frees, instead of being refused
 * after its client sent the whole body; a waiting client that goes away leaves the queue without taking the slot.
 */
class UploadAdmissionIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private RegisterResponse alice;
  private RegisterResponse bob;
  private FitTask task;
  private final List<RoundRecord> records = new CopyOnWriteArrayList<>();

  @BeforeEach
  void openRound() throws Exception {
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2)
        .roundTimeout(Duration.ofSeconds(60)).seed(3).maxConcurrentUploads(1).maxWaitingUploads(1).build()).await();
    coordinator.onRound(records::add);
    raw = new RawClient(coordinator.url());
    alice = raw.register("alice");
    bob = raw.register("bob");
    task = raw.poll(alice, 5000).getFit();
    assertThat(task.getRound()).isEqualTo(1);
  }

  @AfterEach
  void stop() {
    coordinator.close().await();
    vertx.close().await();
  }

  @Test
  void upload_whileTheOnlySlotIsTaken_waitsAndIsAcceptedWhenItFrees() throws Exception {
    try (Socket first = new Socket("127.0.0.1", coordinator.port())) {
      byte[] aliceBody = body(alice, 1f);
      int half = sendHead(first, aliceBody); // alice holds the slot, her body half sent
      Thread.sleep(300); // the coordinator admits her before bob's upload comes, even on a busy machine

      CompletableFuture<RawClient.Reply> second = CompletableFuture.supplyAsync(() -> post(body(bob, 3f)));
      Thread.sleep(700);
      assertThat(second).as("bob's upload waits for the slot instead of being refused").isNotDone();

      first.getOutputStream().write(aliceBody, half, aliceBody.length - half);
      first.getOutputStream().flush();
      assertThat(statusLine(first.getInputStream())).startsWith("HTTP/1.1 200");
      assertThat(second.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
    awaitRecord();
    assertThat(records.get(0).accepted()).isEqualTo(2);
    // Both 10-example updates, 1 and 3 everywhere: the mean is 2.
    float[] global = MODEL.initialParameters(3);
    assertThat(records.get(0).parameters()[0]).isEqualTo(global[0] + 2f, org.assertj.core.data.Offset.offset(1e-6f));
  }

  /** With one upload waiting already (the limit here is one), the next is refused at once with a retryable UNAVAILABLE. */
  @Test
  void upload_beyondTheWaitingLimit_isRefusedRetryable_andTheQueuedOneStillGoesThrough() throws Exception {
    try (Socket first = new Socket("127.0.0.1", coordinator.port());
        Socket queued = new Socket("127.0.0.1", coordinator.port())) {
      byte[] aliceBody = body(alice, 1f);
      int aliceHalf = sendHead(first, aliceBody); // alice holds the only slot
      Thread.sleep(300);
      byte[] bobBody = body(bob, 3f);
      int bobHalf = sendHead(queued, bobBody); // bob's upload takes the one place in the queue
      Thread.sleep(500);

      RawClient.Reply refused = post(body(bob, 3f));

      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.error().getCode()).isEqualTo(io.cohort.protocol.v1.ErrorCode.UNAVAILABLE);
      assertThat(refused.error().getRetryable()).isTrue();
      assertThat(refused.error().getMessage()).contains("1 uploads are waiting for the coordinator already");
      first.getOutputStream().write(aliceBody, aliceHalf, aliceBody.length - aliceHalf);
      first.getOutputStream().flush();
      assertThat(statusLine(first.getInputStream())).startsWith("HTTP/1.1 200");
      queued.getOutputStream().write(bobBody, bobHalf, bobBody.length - bobHalf);
      queued.getOutputStream().flush();
      assertThat(statusLine(queued.getInputStream())).startsWith("HTTP/1.1 200");
    }
    awaitRecord();
    assertThat(records.get(0).accepted()).isEqualTo(2);
  }

  @Test
  void upload_waitingClientGoesAway_leavesTheQueueAndTheSlotStaysUsable() throws Exception {
    try (Socket first = new Socket("127.0.0.1", coordinator.port())) {
      byte[] aliceBody = body(alice, 1f);
      int half = sendHead(first, aliceBody);
      Thread.sleep(300); // alice is admitted first
      try (Socket waiting = new Socket("127.0.0.1", coordinator.port())) {
        sendHead(waiting, body(bob, 3f)); // queued behind alice
        Thread.sleep(300);
      } // bob's connection drops while it waits
      Thread.sleep(300);
      first.getOutputStream().write(aliceBody, half, aliceBody.length - half);
      first.getOutputStream().flush();
      assertThat(statusLine(first.getInputStream())).startsWith("HTTP/1.1 200");
    }
    // The slot is free again and nobody is queued: bob's fresh attempt is validated at once and closes the round.
    assertThat(post(body(bob, 3f)).status()).isEqualTo(200);
    awaitRecord();
    assertThat(records.get(0).accepted()).isEqualTo(2);
  }

  /**
   * A client whose reply was lost sends its update again after the round closed: it is told DUPLICATE_UPDATE (its
   * update is in), not ROUND_NOT_OPEN (which would have it believe the update was dropped), and nothing is counted
   * twice.
   */
  @Test
  void upload_resentAfterTheRoundClosed_byAClientTheRoundTookItFrom_isDuplicateNotRoundNotOpen() throws Exception {
    assertThat(post(body(alice, 1f)).status()).isEqualTo(200);
    assertThat(post(body(bob, 3f)).status()).isEqualTo(200);
    awaitRecord();

    RawClient.Reply again = post(body(alice, 1f));

    assertThat(again.status()).isEqualTo(409);
    io.cohort.protocol.v1.Error error = Frames.readSingle(new java.io.ByteArrayInputStream(again.body()),
        io.cohort.protocol.v1.Error.parser(), "Error");
    assertThat(error.getCode()).isEqualTo(io.cohort.protocol.v1.ErrorCode.DUPLICATE_UPDATE);
    assertThat(error.getMessage()).contains("was accepted in round 1");
    assertThat(records).hasSize(1);
    assertThat(records.get(0).accepted()).isEqualTo(2);
  }

  private byte[] body(RegisterResponse who, float value) {
    UpdateHeader header = UpdateHeader.newBuilder().setClientId(who.getClientId())
        .setClientToken(who.getClientToken()).setRunId(task.getRunId()).setRound(task.getRound())
        .setModelVersion(task.getModelVersion()).setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build();
    float[] delta = new float[MODEL.parameterCount()];
    Arrays.fill(delta, value);
    List<com.google.protobuf.MessageLite> frames = new java.util.ArrayList<>();
    frames.add(header);
    frames.addAll(TensorChunks.split(MODEL.tensors(), delta, 1 << 20));
    return RawClient.frames(frames);
  }

  /** Sends the request head and the first half of {@code body}: the header frame is in it, so the upload is admitted. */
  private static int sendHead(Socket socket, byte[] body) throws Exception {
    OutputStream out = socket.getOutputStream();
    out.write(("POST /v1/updates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + Frames.CONTENT_TYPE
        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    int half = body.length / 2;
    out.write(body, 0, half);
    out.flush();
    return half;
  }

  private RawClient.Reply post(byte[] body) {
    try {
      return raw.post("/v1/updates", body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String statusLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != -1 && c != '\n' && line.length() < 200; c = in.read()) {
      line.append((char) c);
    }
    return line.toString().trim();
  }

  private void awaitRecord() throws InterruptedException {
    for (int i = 0; i < 100 && records.isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(records).hasSize(1);
  }
}
