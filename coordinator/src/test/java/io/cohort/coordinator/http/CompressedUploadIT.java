package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.compression.CompressedUpdate;
import io.cohort.protocol.compression.TopK;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Compressed rounds against a real coordinator on loopback: the fit task carries the run's compression, each kind
 * of bad compressed upload is refused with its precise code and message, the round then aggregates exactly the
 * decoded good updates, and the round's record counts every byte of every upload body and of the model download.
 */
class CompressedUploadIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // W [4,3], b [3]
  private static final float[] ALICE = {0.5f, -0.25f, 1, 0, -1, 0.75f, 0.125f, 2, -2, 0.3f, -0.6f, 0.9f, 1, -1, 0};
  private static final float[] BOB = {-1, 0.5f, 0, 0.25f, 3, -3, 0, 0.1f, 0.2f, -0.4f, 0, 1.5f, 0.5f, 0.5f, -0.5f};

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private RegisterResponse alice;
  private RegisterResponse bob;
  private FitTask task;
  private float[] global;
  private long uploadedBytes;
  private long downloadedBytes;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(
        TimeUnit.MILLISECONDS));
  }

  @AfterEach
  void tearDown() {
    if (coordinator != null) {
      coordinator.close().await();
    }
    vertx.close().await();
  }

  private void openRound(UpdateCompression compression) throws Exception {
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).compression(compression).rounds(1).minClients(2)
        .roundTimeout(Duration.ofSeconds(60)).seed(5).maxConcurrentUploads(1).build()).await();
    raw = new RawClient(coordinator.url());
    alice = raw.register("alice");
    bob = raw.register("bob");
    task = raw.poll(alice, 5000).getFit();
    assertThat(task.getCompression()).isEqualTo(compression.toProto());
    RawClient.Reply download = raw.get("/v1/runs/" + task.getRunId() + "/models/0", alice.getClientId(),
        alice.getClientToken());
    assertThat(download.status()).isEqualTo(200);
    downloadedBytes = download.body().length;
    ByteArrayInputStream in = new ByteArrayInputStream(download.body());
    Frames.readRequired(in, ModelHeader.parser(), "header");
    global = new float[15];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MODEL.tensors(), global);
    TensorChunk chunk;
    while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
      assembler.accept(chunk);
    }
    assembler.finish();
  }

  private UpdateHeader header(RegisterResponse who, long examples) {
    return UpdateHeader.newBuilder().setClientId(who.getClientId()).setClientToken(who.getClientToken())
        .setRunId(task.getRunId()).setRound(task.getRound()).setModelVersion(task.getModelVersion())
        .setNumExamples(examples).setTrainLoss(1f).setTrainAccuracy(0.5f).build();
  }

  private static List<TensorChunk> encode(float[] delta, UpdateCompression c) {
    CompressedUpdate update = c.kind() == UpdateCompression.Kind.TOP_K
        ? CompressedUpdate.sparse(delta, TopK.select(delta, c.k(delta.length)), c)
        : CompressedUpdate.quantized(delta, c, 11);
    return update.split(MODEL.tensors(), 1 << 20);
  }

  private RawClient.Reply upload(UpdateHeader header, List<TensorChunk> chunks) throws Exception {
    List<MessageLite> all = new ArrayList<>();
    all.add(header);
    all.addAll(chunks);
    byte[] body = RawClient.frames(all);
    uploadedBytes += body.length;
    return raw.post("/v1/updates", body);
  }

  private void assertRefused(List<TensorChunk> chunks, ErrorCode code, String messagePart) throws Exception {
    RawClient.Reply reply = upload(header(alice, 10), chunks);
    assertThat(reply.status()).isEqualTo(code == ErrorCode.NON_FINITE || code == ErrorCode.MALFORMED
        || code == ErrorCode.SHAPE_MISMATCH ? 400 : 409);
    assertThat(reply.error().getCode()).isEqualTo(code);
    assertThat(reply.error().getMessage()).contains(messagePart);
  }

  private static List<TensorChunk> first(List<TensorChunk> chunks, UnaryOperator<TensorChunk.Builder> change) {
    List<TensorChunk> out = new ArrayList<>(chunks);
    out.set(0, change.apply(chunks.get(0).toBuilder()).build());
    return out;
  }

  private static float[] decoded(List<TensorChunk> chunks, UpdateCompression c) throws Exception {
    float[] out = new float[15];
    TensorChunks.Assembler assembler = new TensorChunks.Assembler(MODEL.tensors(), out, c);
    for (TensorChunk chunk : chunks) {
      assembler.accept(chunk);
    }
    assembler.finish();
    return out;
  }

  /** The good updates of alice (10 examples) and bob (30), then the round's model and traffic. */
  private void assertAggregatesTheGoodUpdates(UpdateCompression c) throws Exception {
    List<TensorChunk> a = encode(ALICE, c);
    List<TensorChunk> b = encode(BOB, c);
    assertThat(upload(header(alice, 10), a).status()).isEqualTo(200);
    assertThat(upload(header(bob, 30), b).status()).isEqualTo(200);
    RoundRecord record = coordinator.completion().await().get(0);
    assertThat(record.completed()).isTrue();
    assertThat(record.accepted()).isEqualTo(2);
    float[] da = decoded(a, c);
    float[] db = decoded(b, c);
    for (int i = 0; i < 15; i++) {
      assertThat(record.parameters()[i]).as("parameter %d", i)
          .isEqualTo((float) (global[i] + (10.0 * da[i] + 30.0 * db[i]) / 40));
    }
    assertThat(record.bytesUp()).isEqualTo(uploadedBytes); // every body, refused ones included
    assertThat(record.bytesDown()).isEqualTo(downloadedBytes);
  }

  @Test
  void q8Round_refusesEachBadEncoding_thenAggregatesTheDecodedUpdates() throws Exception {
    UpdateCompression q8 = UpdateCompression.q8();
    openRound(q8);
    List<TensorChunk> good = encode(ALICE, q8);
    assertRefused(TensorChunks.split(MODEL.tensors(), ALICE, 1 << 20), ErrorCode.SHAPE_MISMATCH,
        "dtype FLOAT32, but this round's updates are compressed as q8: QINT8 chunks");
    assertRefused(first(good, c -> c.setData(c.getData().substring(1))), ErrorCode.SHAPE_MISMATCH,
        "has 11 data bytes, but 12 QINT8 elements take 12");
    assertRefused(first(good, c -> c.setScales(0, Float.NaN)), ErrorCode.NON_FINITE, "scale 0 is NaN");
    assertRefused(first(good, c -> c.setScales(0, Float.NEGATIVE_INFINITY)), ErrorCode.NON_FINITE,
        "scale 0 is -Infinity");
    assertRefused(first(good, c -> c.addScales(1)), ErrorCode.SHAPE_MISMATCH, "has 2 scales");
    assertRefused(first(good, c -> c.setData(c.getData().substring(1).concat(ByteString.copyFrom(new byte[] {-128})))),
        ErrorCode.MALFORMED, "level -128; QINT8 levels are in [-127, 127]");
    assertRefused(first(good, c -> c.setCount(20)), ErrorCode.SHAPE_MISMATCH,
        "covers 20 elements, but 12 of the tensor remain");
    assertAggregatesTheGoodUpdates(q8);
  }

  @Test
  void q4Round_refusesWrongPackingAndLevels_thenAggregatesTheDecodedUpdates() throws Exception {
    UpdateCompression q4 = UpdateCompression.q4();
    openRound(q4);
    List<TensorChunk> good = encode(ALICE, q4);
    assertRefused(first(good, c -> c.setData(c.getData().concat(ByteString.copyFrom(new byte[1])))),
        ErrorCode.SHAPE_MISMATCH, "has 7 data bytes, but 12 QINT4 elements take 6 (two 4-bit values a byte)");
    assertRefused(first(good, c -> c.setData(ByteString.copyFrom(new byte[] {8, 0, 0, 0, 0, 0}))),
        ErrorCode.MALFORMED, "element 0 has level -8; QINT4 levels are in [-7, 7]");
    List<TensorChunk> oddPadding = new ArrayList<>(good); // b: 3 values in 2 bytes, the last high nibble unused
    byte[] b = good.get(1).getData().toByteArray();
    b[1] |= 0x70;
    oddPadding.set(1, good.get(1).toBuilder().setData(ByteString.copyFrom(b)).build());
    assertRefused(oddPadding, ErrorCode.MALFORMED, "the high nibble after the last of its 3 4-bit values must be 0");
    assertRefused(encode(ALICE, UpdateCompression.q8()), ErrorCode.SHAPE_MISMATCH,
        "dtype QINT8, but this round's updates are compressed as q4: QINT4 chunks");
    assertAggregatesTheGoodUpdates(q4);
  }

  @Test
  void topKRound_refusesBadPositionsAndExtraElements_thenAggregatesTheSparseUpdates() throws Exception {
    UpdateCompression top = UpdateCompression.topK(0.2); // k = 3 of 15
    openRound(top);
    List<TensorChunk> good = encode(ALICE, top); // ALICE's largest: 2 (7), -2 (8), 1 (2) or -1 (4) or 1 (12)
    assertThat(good.get(0).getIndexDeltasCount() + good.get(1).getIndexDeltasCount()).isEqualTo(3);
    assertRefused(first(good, c -> c.setIndexDeltas(c.getIndexDeltasCount() - 1, 12)), ErrorCode.SHAPE_MISMATCH,
        "outside the chunk's 12 elements");
    assertRefused(first(good, c -> c.setIndexDeltas(1, 0)), ErrorCode.MALFORMED,
        "index delta 1 is 0, a duplicate position");
    assertRefused(first(good, c -> c.addIndexDeltas(1).setData(c.getData().concat(ByteString.copyFrom(new byte[4])))),
        ErrorCode.SHAPE_MISMATCH, "sends at most 3");
    assertRefused(first(good, c -> c.addIndexDeltas(1)), ErrorCode.SHAPE_MISMATCH,
        "lists 4 positions but has 12 data bytes");
    byte[] nan = good.get(0).getData().toByteArray();
    ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.POSITIVE_INFINITY);
    assertRefused(first(good, c -> c.setData(ByteString.copyFrom(nan))), ErrorCode.NON_FINITE, "is Infinity");
    assertRefused(TensorChunks.split(MODEL.tensors(), ALICE, 1 << 20), ErrorCode.SHAPE_MISMATCH,
        "compressed as topk:0.2: SPARSE_FLOAT32 chunks");
    assertAggregatesTheGoodUpdates(top);
  }
}
