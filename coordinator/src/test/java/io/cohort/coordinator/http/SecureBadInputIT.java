package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.crypto.secagg.EncryptedShare;
import io.cohort.crypto.secagg.KeyAdvertisement;
import io.cohort.crypto.secagg.Quantizer;
import io.cohort.crypto.secagg.RevealedShare;
import io.cohort.crypto.secagg.SecAggClient;
import io.cohort.crypto.secagg.SecAggParameters;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.secagg.SecAggWire;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.SecretKind;
import io.cohort.protocol.v1.SecureAggregation;
import io.cohort.protocol.v1.ShareBundle;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UnmaskBundle;
import io.cohort.protocol.v1.UpdateHeader;
import io.cohort.protocol.Frames;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Every kind of bad secure-aggregation message against a real coordinator on loopback, through one secure round of
 * three clients that speak the protocol frame by frame (with the real SecAgg+ engine). Each bad message is refused
 * with its precise error, and at the end the round unmasks exactly the weighted mean of the three good inputs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecureBadInputIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters
  private static final List<String> NAMES = List.of("alice", "bob", "carol");

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private final Map<String, RegisterResponse> who = new LinkedHashMap<>();
  private final Map<String, SecAggClient> engines = new LinkedHashMap<>();
  private FitTask task;
  private Quantizer quantizer;
  private final List<RoundRecord> records = new CopyOnWriteArrayList<>();

  @BeforeAll
  void startSecureRound() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(200)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure().rounds(1).minClients(3)
        .secureAggregation(SecureAggregationSettings.on().withMaxWeight(100).withStageTimeout(Duration.ofMinutes(2)))
        .roundTimeout(Duration.ofMinutes(2)).seed(5).build()).await();
    coordinator.onRound(records::add);
    raw = new RawClient(coordinator.url());
    for (String name : NAMES) {
      who.put(name, raw.register(name));
    }
    for (String name : NAMES) {
      Task t = raw.poll(who.get(name), 5000);
      assertThat(t.hasFit()).isTrue();
      task = t.getFit();
    }
    SecureAggregation s = task.getSecureAggregation();
    assertThat(s.getParticipantsCount()).isEqualTo(3);
    assertThat(s.getVectorLength()).isEqualTo(16);
    SecAggParameters p = new SecAggParameters(task.getRunId(), task.getRound(), s.getParticipantsList(),
        s.getNeighbours(), s.getThreshold(), s.getGraphSeed(), s.getVectorLength());
    for (String name : NAMES) {
      engines.put(name, new SecAggClient(p, id(name), new SecureRandom()));
    }
    quantizer = new Quantizer(s.getClipRange(), s.getMaxWeight(), s.getParticipantsCount());
  }

  @AfterAll
  void stop() {
    coordinator.close().await();
    vertx.close().await();
  }

  private String id(String name) {
    return who.get(name).getClientId();
  }

  private SecAggMessage.Builder message(String name) {
    return SecAggMessage.newBuilder().setClientId(id(name)).setClientToken(who.get(name).getClientToken())
        .setRunId(task.getRunId()).setRound(task.getRound());
  }

  private RawClient.Reply send(SecAggMessage m) throws Exception {
    return raw.post("/v1/secagg", Frames.encode(m));
  }

  private void assertRefused(RawClient.Reply reply, int status, ErrorCode code, String messagePart) throws Exception {
    assertThat(reply.status()).isEqualTo(status);
    assertThat(reply.error().getCode()).isEqualTo(code);
    assertThat(reply.error().getMessage()).contains(messagePart);
  }

  private final Map<String, KeyAdvertisement> adverts = new LinkedHashMap<>();
  private final Map<String, List<EncryptedShare>> shares = new LinkedHashMap<>();

  // ---- stage 1: advertise keys -------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void keys_wrongToken_refusedUnauthenticated() throws Exception {
    KeyAdvertisement k = engines.get("alice").advertiseKeys();
    adverts.put("alice", k);
    SecAggMessage m = message("alice").setClientToken(who.get("bob").getClientToken()).setKeys(SecAggWire.toWire(k)).build();
    assertRefused(send(m), 401, ErrorCode.UNAUTHENTICATED, "token");
  }

  @Test
  @Order(2)
  void keys_inAnotherClientsName_refused() throws Exception {
    io.cohort.protocol.v1.KeyAdvertisement forged = SecAggWire.toWire(adverts.get("alice")).toBuilder().setClientId(id("bob"))
        .build();
    assertRefused(send(message("alice").setKeys(forged).build()), 409, ErrorCode.SECAGG_REFUSED, "in the name of");
  }

  @Test
  @Order(3)
  void keys_forAnotherRound_refusedRoundNotOpen() throws Exception {
    assertRefused(send(message("alice").setRound(9).setKeys(SecAggWire.toWire(adverts.get("alice"))).build()), 409,
        ErrorCode.ROUND_NOT_OPEN, "round 9");
  }

  @Test
  @Order(4)
  void shares_duringKeyStage_refusedWrongStage() throws Exception {
    assertRefused(send(message("alice").setShares(ShareBundle.getDefaultInstance()).build()), 409,
        ErrorCode.WRONG_STAGE, "advertise_keys");
  }

  @Test
  @Order(5)
  void keys_malformedPublicKey_refusedAndTheClientCanStillAdvertise() throws Exception {
    io.cohort.protocol.v1.KeyAdvertisement shortKey = SecAggWire.toWire(adverts.get("alice")).toBuilder()
        .setMaskKey(ByteString.copyFrom(new byte[5])).build();
    RawClient.Reply reply = send(message("alice").setKeys(shortKey).build());
    assertThat(reply.status()).isIn(400, 409);
    assertThat(reply.error().getCode()).isIn(ErrorCode.MALFORMED, ErrorCode.SECAGG_REFUSED);
  }

  @Test
  @Order(6)
  void keys_allThree_advanceToSharing_andAReplayIsRefused() throws Exception {
    for (String name : NAMES) {
      KeyAdvertisement k = adverts.computeIfAbsent(name, n -> engines.get(n).advertiseKeys());
      RawClient.Reply reply = send(message(name).setKeys(SecAggWire.toWire(k)).build());
      assertThat(reply.status()).as(name).isEqualTo(200);
    }
    // A replay of stage 1 after it closed: already recorded, refused as a duplicate, nothing changes.
    assertRefused(send(message("bob").setKeys(SecAggWire.toWire(adverts.get("bob"))).build()), 409,
        ErrorCode.DUPLICATE_UPDATE, "already recorded");
  }

  // ---- stage 2: share keys -----------------------------------------------------------------------------------------

  @Test
  @Order(7)
  void shares_addressedToAStranger_refused() throws Exception {
    Task t = raw.poll(who.get("alice"), 5000);
    assertThat(t.hasShareKeys()).isTrue();
    List<KeyAdvertisement> neighbourKeys = t.getShareKeys().getNeighbourKeysList().stream()
        .map(SecAggWire::fromWire).toList();
    List<EncryptedShare> mine = engines.get("alice").shareKeys(neighbourKeys);
    shares.put("alice", mine);
    List<io.cohort.protocol.v1.EncryptedShare> forged = new ArrayList<>();
    mine.forEach(s -> forged.add(SecAggWire.toWire(s)));
    forged.set(0, forged.get(0).toBuilder().setTo("mallory").build());
    assertRefused(send(message("alice").setShares(ShareBundle.newBuilder().addAllShares(forged)).build()), 409,
        ErrorCode.SECAGG_REFUSED, "");
  }

  @Test
  @Order(8)
  void shares_missingOneNeighbour_refused() throws Exception {
    List<io.cohort.protocol.v1.EncryptedShare> partial = new ArrayList<>();
    shares.get("alice").forEach(s -> partial.add(SecAggWire.toWire(s)));
    partial.remove(partial.size() - 1);
    assertRefused(send(message("alice").setShares(ShareBundle.newBuilder().addAllShares(partial)).build()), 409,
        ErrorCode.SECAGG_REFUSED, "");
  }

  @Test
  @Order(9)
  void shares_allThree_advanceToMaskedInput_andAResendIsRefused() throws Exception {
    for (String name : NAMES) {
      if (!shares.containsKey(name)) {
        Task t = raw.poll(who.get(name), 5000);
        List<KeyAdvertisement> neighbourKeys = t.getShareKeys().getNeighbourKeysList().stream()
            .map(SecAggWire::fromWire).toList();
        shares.put(name, engines.get(name).shareKeys(neighbourKeys));
      }
      List<io.cohort.protocol.v1.EncryptedShare> bundle = new ArrayList<>();
      shares.get(name).forEach(s -> bundle.add(SecAggWire.toWire(s)));
      RawClient.Reply reply = send(message(name).setShares(ShareBundle.newBuilder().addAllShares(bundle)).build());
      assertThat(reply.status()).as(name).isEqualTo(200);
    }
    assertRefused(send(message("alice").setShares(ShareBundle.getDefaultInstance()).build()), 409,
        ErrorCode.DUPLICATE_UPDATE, "already recorded");
  }

  // ---- stage 3: masked input ---------------------------------------------------------------------------------------

  private final Map<String, int[]> masked = new LinkedHashMap<>();

  private static float[] delta(int i) {
    float[] d = new float[15];
    for (int j = 0; j < d.length; j++) {
      d[j] = (i + 1) * 0.01f * (j % 5 - 2);
    }
    return d;
  }

  private static long examples(int i) {
    return 20L + 30L * i;
  }

  private int[] maskedInputOf(String name) throws Exception {
    if (!masked.containsKey(name)) {
      Task t = raw.poll(who.get(name), 5000);
      assertThat(t.hasMaskedInput()).isTrue();
      List<EncryptedShare> forMe = t.getMaskedInput().getSharesList().stream()
          .map(SecAggWire::fromWire).toList();
      int i = NAMES.indexOf(name);
      masked.put(name, engines.get(name).maskInput(forMe, quantizer.encode(delta(i), examples(i))));
    }
    return masked.get(name);
  }

  private UpdateHeader header(String name) {
    return UpdateHeader.newBuilder().setClientId(id(name)).setClientToken(who.get(name).getClientToken())
        .setRunId(task.getRunId()).setRound(task.getRound()).setModelVersion(task.getModelVersion()).build();
  }

  private RawClient.Reply upload(UpdateHeader header, List<? extends MessageLite> chunks) throws Exception {
    List<MessageLite> all = new ArrayList<>();
    all.add(header);
    all.addAll(chunks);
    return raw.post("/v1/updates", RawClient.frames(all));
  }

  @Test
  @Order(10)
  void maskedInput_withPlaintextExampleCount_refusedMalformed() throws Exception {
    int[] v = maskedInputOf("alice");
    UpdateHeader h = header("alice").toBuilder().setNumExamples(20).build();
    assertRefused(upload(h, List.of(TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, v, 0, v.length))), 400,
        ErrorCode.MALFORMED, "num_examples");
  }

  @Test
  @Order(11)
  void maskedInput_sentAsFloat32Update_refusedShapeMismatch() throws Exception {
    List<TensorChunk> plain = TensorChunks.split(MODEL.tensors(), delta(0), 1 << 20);
    assertRefused(upload(header("alice"), plain), 400, ErrorCode.SHAPE_MISMATCH, "secagg/masked");
  }

  @Test
  @Order(12)
  void maskedInput_wrongLength_refusedShapeMismatch() throws Exception {
    int[] v = java.util.Arrays.copyOf(maskedInputOf("alice"), 15);
    assertRefused(upload(header("alice"), List.of(TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, v, 0, 15))),
        400, ErrorCode.SHAPE_MISMATCH, "[16]");
  }

  @Test
  @Order(13)
  void maskedInput_truncated_refusedShapeMismatch() throws Exception {
    int[] v = maskedInputOf("alice");
    TensorChunk half = TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, v, 0, 8);
    assertRefused(upload(header("alice"), List.of(half)), 400, ErrorCode.SHAPE_MISMATCH, "received 8 of the 16");
  }

  @Test
  @Order(14)
  void unmask_duringMaskedInput_refusedWrongStage() throws Exception {
    assertRefused(send(message("alice").setUnmask(UnmaskBundle.getDefaultInstance()).build()), 409,
        ErrorCode.WRONG_STAGE, "masked_input");
  }

  @Test
  @Order(15)
  void maskedInput_allThree_accepted_andAReplayIsRefused() throws Exception {
    for (String name : NAMES) {
      int[] v = maskedInputOf(name);
      RawClient.Reply reply = upload(header(name),
          List.of(TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, v, 0, v.length)));
      assertThat(reply.status()).as(name).isEqualTo(200);
    }
    int[] v = maskedInputOf("bob");
    RawClient.Reply replay = upload(header("bob"),
        List.of(TensorChunks.chunkUInt32(TensorChunks.MASKED_VECTOR, v, 0, v.length)));
    assertThat(replay.status()).isEqualTo(409);
    assertThat(replay.error().getCode()).isIn(ErrorCode.DUPLICATE_UPDATE, ErrorCode.WRONG_STAGE);
  }

  // ---- stage 4: unmask ---------------------------------------------------------------------------------------------

  private final Map<String, List<RevealedShare>> reveals = new LinkedHashMap<>();

  @Test
  @Order(16)
  void unmask_revealingWhatWasNotAskedFor_refused() throws Exception {
    Task t = raw.poll(who.get("alice"), 5000);
    assertThat(t.hasUnmask()).isTrue();
    assertThat(t.getUnmask().getDroppedList()).isEmpty();
    List<RevealedShare> honest = engines.get("alice").unmask(t.getUnmask().getSurvivorsList(), List.of());
    reveals.put("alice", honest);
    // A self-mask share relabelled as a mask-key share: the coordinator asked for no mask key (nobody dropped).
    RevealedShare first = honest.get(0);
    RevealedShare relabelled = new RevealedShare(first.owner(), io.cohort.crypto.secagg.SecretKind.MASK_KEY,
        first.x(), first.y());
    assertRefused(send(message("alice").setUnmask(UnmaskBundle.newBuilder().addShares(SecAggWire.toWire(relabelled))).build()),
        409, ErrorCode.SECAGG_REFUSED, "");
  }

  @Test
  @Order(17)
  void unmask_shareWithoutKind_refusedMalformed() throws Exception {
    io.cohort.protocol.v1.RevealedShare noKind = SecAggWire.toWire(reveals.get("alice").get(0)).toBuilder()
        .setKind(SecretKind.SECRET_KIND_UNSPECIFIED).build();
    assertRefused(send(message("alice").setUnmask(UnmaskBundle.newBuilder().addShares(noKind)).build()), 400,
        ErrorCode.MALFORMED, "kind");
  }

  @Test
  @Order(18)
  void unmask_allThree_roundUnmasksExactlyTheWeightedMeanOfTheGoodInputs() throws Exception {
    for (String name : NAMES) {
      if (!reveals.containsKey(name)) {
        Task t = raw.poll(who.get(name), 5000);
        reveals.put(name, engines.get(name).unmask(t.getUnmask().getSurvivorsList(), t.getUnmask().getDroppedList()));
      }
      UnmaskBundle.Builder bundle = UnmaskBundle.newBuilder();
      reveals.get(name).forEach(s -> bundle.addShares(SecAggWire.toWire(s)));
      assertThat(send(message(name).setUnmask(bundle).build()).status()).as(name).isEqualTo(200);
    }
    List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    RoundRecord r = rounds.get(0);
    assertThat(r.completed()).as(String.valueOf(r.failureReason())).isTrue();
    assertThat(r.accepted()).isEqualTo(3);
    assertThat(r.examples()).isEqualTo(examples(0) + examples(1) + examples(2));
    float[] initial = MODEL.initialParameters(5);
    double total = examples(0) + examples(1) + examples(2);
    for (int j = 0; j < 15; j++) {
      double mean = 0;
      for (int i = 0; i < 3; i++) {
        mean += examples(i) * delta(i)[j] / total;
      }
      assertThat((double) r.parameters()[j]).as("parameter %d", j)
          .isCloseTo(initial[j] + mean, org.assertj.core.data.Offset.offset(1e-6));
    }
  }
}
