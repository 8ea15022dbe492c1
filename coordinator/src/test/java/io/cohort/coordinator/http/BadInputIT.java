package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.DType;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every kind of bad update against a real coordinator on loopback, in one open round: each is refused with its
 * precise error code, and at the end the round aggregates exactly the two good updates.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // W [4,3], b [3]

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private RegisterResponse alice;
  private RegisterResponse bob;
  private FitTask task;
  private float[] global;
  private final List<RoundRecord> records = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startRound() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(
        TimeUnit.MILLISECONDS));
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2)
        .roundTimeout(Duration.ofSeconds(60)).seed(3).maxConcurrentUploads(1).build()).await(); // one slot: a leak shows
    coordinator.onRound(records::add);
    raw = new RawClient(coordinator.url());
    alice = raw.register("alice");
    bob = raw.register("bob");
    task = raw.poll(alice, 5000).getFit();
    assertThat(task.getRound()).isEqualTo(1);
    RawClient.Reply download = raw.get("/v1/runs/" + task.getRunId() + "/models/0", alice.getClientId(),
        alice.getClientToken());
    assertThat(download.status()).isEqualTo(200);
    ByteArrayInputStream in = new ByteArrayInputStream(download.body());
    assertThat(Frames.readRequired(in, ModelHeader.parser(), "header").getTotalElements()).isEqualTo(15);
    global = new float[15];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MODEL.tensors(), global);
    TensorChunk chunk;
    while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
      assembler.accept(chunk);
    }
    assembler.finish();
  }

  @AfterAll
  void stop() {
    coordinator.close().await();
    vertx.close().await();
  }

  private UpdateHeader header(RegisterResponse who) {
    return UpdateHeader.newBuilder().setClientId(who.getClientId()).setClientToken(who.getClientToken())
        .setRunId(task.getRunId()).setRound(task.getRound()).setModelVersion(task.getModelVersion())
        .setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build();
  }

  private static float[] filled(float value) {
    float[] d = new float[15];
    java.util.Arrays.fill(d, value);
    return d;
  }

  private static List<TensorChunk> chunks(float[] delta) {
    return TensorChunks.split(MODEL.tensors(), delta, 1 << 20);
  }

  private RawClient.Reply upload(UpdateHeader header, List<TensorChunk> chunks) throws Exception {
    List<com.google.protobuf.MessageLite> all = new ArrayList<>();
    all.add(header);
    all.addAll(chunks);
    return raw.post("/v1/updates", RawClient.frames(all));
  }

  private void assertRefused(RawClient.Reply reply, int status, ErrorCode code, String messagePart) throws Exception {
    assertThat(reply.status()).isEqualTo(status);
    assertThat(reply.error().getCode()).isEqualTo(code);
    assertThat(reply.error().getMessage()).contains(messagePart);
  }

  @Test
  @Order(1)
  void upload_unknownClientId_refusedUnknownClient() throws Exception {
    UpdateHeader h = header(alice).toBuilder().setClientId("nobody").build();
    assertRefused(upload(h, chunks(filled(1))), 401, ErrorCode.UNKNOWN_CLIENT, "not registered");
  }

  @Test
  @Order(2)
  void upload_wrongToken_refusedUnauthenticated() throws Exception {
    UpdateHeader h = header(alice).toBuilder().setClientToken(bob.getClientToken()).build();
    assertRefused(upload(h, chunks(filled(1))), 401, ErrorCode.UNAUTHENTICATED, "token");
  }

  @Test
  @Order(3)
  void upload_roundNotOpen_refused() throws Exception {
    UpdateHeader h = header(alice).toBuilder().setRound(7).build();
    assertRefused(upload(h, chunks(filled(1))), 409, ErrorCode.ROUND_NOT_OPEN, "round 7 is not open");
  }

  @Test
  @Order(3)
  void upload_refusedAtItsHeader_withABodyStillComing_isAnsweredNotCutOff() throws Exception {
    // The header is refused at once, but 512 kB of frames are still on their way: the coordinator reads and discards
    // them and then answers. Closing instead, with the client's bytes unread, is a TCP reset, which could destroy the
    // answer before the client read it (the client saw "header parser received no bytes" instead of the reason).
    UpdateHeader h = header(alice).toBuilder().setRound(7).build();
    TensorChunk padding = TensorChunk.newBuilder().setName("dense0/W").setData(ByteString.copyFrom(new byte[64 << 10]))
        .build();
    for (int attempt = 0; attempt < 3; attempt++) {
      RawClient.Reply reply = upload(h, java.util.Collections.nCopies(8, padding));
      assertRefused(reply, 409, ErrorCode.ROUND_NOT_OPEN, "round 7 is not open");
      assertThat(reply.closesConnection()).as("the refusal keeps the connection").isFalse();
    }
  }

  @Test
  @Order(4)
  void upload_clientNotInvited_refused() throws Exception {
    RegisterResponse carol = raw.register("carol"); // joined after round 1 sampled alice and bob
    assertRefused(upload(header(carol), chunks(filled(1))), 409, ErrorCode.NOT_INVITED, "not sampled");
  }

  @Test
  @Order(5)
  void upload_payloadThatDoesNotParse_refusedMalformed() throws Exception {
    byte[] garbage = {0, 0, 0, 5, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
    assertRefused(raw.post("/v1/updates", garbage), 400, ErrorCode.MALFORMED, "does not parse");
    byte[] goodHeaderBadChunk = RawClient.concat(Frames.encode(header(alice)), garbage);
    assertRefused(raw.post("/v1/updates", goodHeaderBadChunk), 400, ErrorCode.MALFORMED, "does not parse");
  }

  @Test
  @Order(6)
  void upload_wrongTensorName_refusedShapeMismatch() throws Exception {
    List<TensorChunk> c = new ArrayList<>(chunks(filled(1)));
    c.set(0, c.get(0).toBuilder().setName("dense9/W").build());
    assertRefused(upload(header(alice), c), 400, ErrorCode.SHAPE_MISMATCH, "dense9/W");
  }

  @Test
  @Order(7)
  void upload_wrongShape_refusedShapeMismatch() throws Exception {
    List<TensorChunk> c = new ArrayList<>(chunks(filled(1)));
    c.set(0, c.get(0).toBuilder().clearShape().addShape(3).addShape(4).build());
    assertRefused(upload(header(alice), c), 400, ErrorCode.SHAPE_MISMATCH, "shape [3, 4]");
  }

  @Test
  @Order(8)
  void upload_wrongDtype_refusedShapeMismatch() throws Exception {
    List<TensorChunk> c = new ArrayList<>(chunks(filled(1)));
    c.set(1, c.get(1).toBuilder().setDtype(DType.DTYPE_UNSPECIFIED).build());
    assertRefused(upload(header(alice), c), 400, ErrorCode.SHAPE_MISMATCH, "dtype");
  }

  @Test
  @Order(9)
  void upload_missingElements_refusedShapeMismatch() throws Exception {
    List<TensorChunk> c = chunks(filled(1)).subList(0, 1);
    assertRefused(upload(header(alice), c), 400, ErrorCode.SHAPE_MISMATCH, "received 12 of the model's 15");
  }

  @Test
  @Order(10)
  void upload_nan_refusedNonFinite() throws Exception {
    float[] d = filled(1);
    d[5] = Float.NaN;
    assertRefused(upload(header(alice), chunks(d)), 400, ErrorCode.NON_FINITE, "NaN");
  }

  @Test
  @Order(11)
  void upload_infinity_refusedNonFinite() throws Exception {
    float[] d = filled(1);
    d[13] = Float.NEGATIVE_INFINITY;
    assertRefused(upload(header(alice), chunks(d)), 400, ErrorCode.NON_FINITE, "Infinity");
  }

  @Test
  @Order(12)
  void upload_oversizeFrame_refusedTooLarge() throws Exception {
    byte[] prefix = {0x7f, 0, 0, 0}; // announces a 2 GiB frame
    byte[] body = RawClient.concat(Frames.encode(header(alice)), prefix, new byte[1024]);
    assertRefused(raw.post("/v1/updates", body), 413, ErrorCode.TOO_LARGE, "exceeds the limit");
  }

  @Test
  @Order(13)
  void upload_oversizeBody_refusedTooLarge() throws Exception {
    // One 2 MiB frame: within the frame limit, but more than any update of a 15-parameter model can need, so the
    // body limit refuses it on arrival, before it is parsed.
    TensorChunk big = TensorChunk.newBuilder().setName("dense0/W").setData(ByteString.copyFrom(new byte[2 << 20]))
        .build();
    assertRefused(upload(header(alice), List.of(big)), 413, ErrorCode.TOO_LARGE, "update body exceeds");
  }

  @Test
  @Order(14)
  void register_oversizeBody_refusedTooLarge() throws Exception {
    assertRefused(raw.post("/v1/register", new byte[ProtocolRoutes.MAX_SMALL_BODY + 1]), 413, ErrorCode.TOO_LARGE,
        "exceeds");
  }

  @Test
  @Order(15)
  void upload_staleModelVersion_refused() throws Exception {
    UpdateHeader h = header(alice).toBuilder().setModelVersion(4).build();
    assertRefused(upload(h, chunks(filled(1))), 409, ErrorCode.STALE_MODEL, "version 4");
  }

  @Test
  @Order(16)
  void upload_clientDiesMidBody_releasesItsSlot_andLaterUploadIsAccepted() throws Exception {
    byte[] body = RawClient.frames(List.of(header(alice), chunks(filled(1)).get(0)));
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", coordinator.port())) {
      java.io.OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/updates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + Frames.CONTENT_TYPE
          + "\r\nContent-Length: " + (body.length + 1000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, body.length / 2); // then the connection drops
      out.flush();
    }
    // The coordinator notices the close asynchronously; until then the upload counts as in progress.
    RawClient.Reply reply = null;
    for (int i = 0; i < 50; i++) {
      reply = upload(header(alice), chunks(filled(1)));
      if (reply.status() != 503) { // 503: its dead upload still counts as in progress (retryable)
        break;
      }
      Thread.sleep(100);
    }
    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  @Order(17)
  void upload_secondUpdateFromSameClient_refusedDuplicate() throws Exception {
    assertRefused(upload(header(alice), chunks(filled(100))), 409, ErrorCode.DUPLICATE_UPDATE, "already");
  }

  @Test
  @Order(18)
  void round_afterEveryRejection_aggregatesExactlyTheGoodUpdates() throws Exception {
    UpdateHeader h = header(bob).toBuilder().setNumExamples(30).build();
    assertThat(upload(h, chunks(filled(-1))).status()).isEqualTo(200);
    RoundRecord record = coordinator.completion().await().get(0);
    assertThat(record.completed()).isTrue();
    assertThat(record.accepted()).isEqualTo(2);
    assertThat(record.examples()).isEqualTo(40);
    // alice: +1 weighted 10, bob: -1 weighted 30 -> mean delta -0.5; nothing from the rejected uploads.
    float[] expected = new float[15];
    for (int i = 0; i < 15; i++) {
      expected[i] = (float) (global[i] + (10.0 * 1 + 30.0 * -1) / 40);
    }
    assertThat(record.parameters()).containsExactly(expected);
    assertThat(records).hasSize(1);
  }
}
