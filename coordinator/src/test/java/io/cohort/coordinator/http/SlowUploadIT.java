package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
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
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that drips its upload, a byte at a time so that the connection is never idle, against a real coordinator
 * with one validation slot and a 2 s upload timeout: it is cut off with TIMED_OUT at the timeout, the slot it held
 * serves the upload waiting behind it, and the round is left as it was (the slow client's update, sent again at a
 * normal pace, is accepted and both are aggregated).
 */
class SlowUploadIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters
  private static final Duration UPLOAD_TIMEOUT = Duration.ofSeconds(2);

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
        .roundTimeout(Duration.ofSeconds(60)).uploadTimeout(UPLOAD_TIMEOUT).seed(3).maxConcurrentUploads(1)
        .build()).await();
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
  void drippingUpload_isCutOffAtTheUploadTimeout_andItsSlotServesTheUploadWaitingBehindIt() throws Exception {
    long start;
    try (Socket slow = new Socket("127.0.0.1", coordinator.port())) {
      slow.setSoTimeout(15_000);
      byte[] aliceBody = body(alice, 1f);
      int sent = sendHead(slow, aliceBody, aliceBody.length / 2); // the header is in: alice holds the only slot
      start = System.nanoTime();
      CompletableFuture<RawClient.Reply> bobs = CompletableFuture.supplyAsync(() -> post(body(bob, 3f)));

      // One byte every 200 ms: never idle, never done. At most 40 bytes (8 s); the coordinator cuts it off before.
      OutputStream out = slow.getOutputStream();
      InputStream in = slow.getInputStream();
      for (int i = 0; i < 40 && sent < aliceBody.length - 1 && in.available() == 0; i++) {
        try {
          out.write(aliceBody[sent++]);
          out.flush();
        } catch (IOException closedByTheCoordinator) {
          break;
        }
        Thread.sleep(200);
      }
      Reply cutOff = readReply(in);
      double seconds = (System.nanoTime() - start) / 1e9;

      assertThat(cutOff.status()).isEqualTo(408);
      Error error = Frames.readSingle(new ByteArrayInputStream(cutOff.body()), Error.parser(), "Error");
      assertThat(error.getCode()).isEqualTo(ErrorCode.TIMED_OUT);
      assertThat(error.getMessage()).contains("upload timeout of 2.0 s").contains("bytes received");
      assertThat(seconds).as("cut off at the upload timeout, not at the idle timeout").isBetween(1.5, 8.0);
      assertThat(bobs.get(20, TimeUnit.SECONDS).status()).as("bob's upload got the freed slot").isEqualTo(200);
    }
    // The cut-off upload left the round as it was: alice sends again at a normal pace and is accepted.
    assertThat(post(body(alice, 1f)).status()).isEqualTo(200);
    awaitRecord();
    assertThat(records.get(0).accepted()).isEqualTo(2);
    float[] global = MODEL.initialParameters(3);
    assertThat(records.get(0).parameters()[0]).isEqualTo(global[0] + 2f, Offset.offset(1e-6f)); // mean of 1 and 3
  }

  @Test
  void requestThatStallsInItsHeaderFrame_isCutOffAtTheUploadTimeout() throws Exception {
    try (Socket stalled = new Socket("127.0.0.1", coordinator.port())) {
      stalled.setSoTimeout(15_000);
      long start = System.nanoTime();
      sendHead(stalled, body(alice, 1f), 2); // half of the length prefix, then nothing
      Reply cutOff = readReply(stalled.getInputStream());
      double seconds = (System.nanoTime() - start) / 1e9;

      assertThat(cutOff.status()).isEqualTo(408);
      assertThat(Frames.readSingle(new ByteArrayInputStream(cutOff.body()), Error.parser(), "Error").getCode())
          .isEqualTo(ErrorCode.TIMED_OUT);
      assertThat(seconds).isBetween(1.5, 8.0);
    }
    // Nothing was admitted: both clients' uploads are accepted and close the round.
    assertThat(post(body(alice, 1f)).status()).isEqualTo(200);
    assertThat(post(body(bob, 3f)).status()).isEqualTo(200);
    awaitRecord();
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

  /** Sends the request head (announcing the whole body) and the first {@code bytes} of the body. */
  private static int sendHead(Socket socket, byte[] body, int bytes) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(("POST /v1/updates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + Frames.CONTENT_TYPE
        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body, 0, bytes);
    out.flush();
    return bytes;
  }

  private RawClient.Reply post(byte[] body) {
    try {
      return raw.post("/v1/updates", body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private record Reply(int status, byte[] body) {}

  /** Reads one HTTP/1.1 response with a Content-Length body (bounded by the socket's read timeout). */
  private static Reply readReply(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n") && head.length() < 8192) {
      int c = in.read();
      if (c == -1) {
        throw new IOException("connection closed after " + head.length() + " bytes of the response head: " + head);
      }
      head.append((char) c);
    }
    String[] lines = head.toString().split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    int length = 0;
    for (String line : lines) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return new Reply(status, in.readNBytes(length));
  }

  private void awaitRecord() throws InterruptedException {
    for (int i = 0; i < 100 && records.isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(records).hasSize(1);
  }
}
