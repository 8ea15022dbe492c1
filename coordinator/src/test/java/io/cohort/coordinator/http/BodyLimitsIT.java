package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.UpdateHeader;
import io.cohort.privacy.DpConfig;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Limits that only a body of a given size or an update of a given norm reaches, against a real coordinator: the
 * secure-aggregation body limit, the limit on an upload's header frame, and, under central differential privacy, the
 * refusal of an update whose L2 norm exceeds the clipping bound. Each refusal leaves the round able to take good
 * updates.
 */
class BodyLimitsIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3); // 15 parameters

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;
  private final List<RoundRecord> records = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    coordinator.close().await();
    vertx.close().await();
  }

  private void start(DpConfig dp) {
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2).seed(3)
        .roundTimeout(Duration.ofSeconds(60)).differentialPrivacy(dp).build()).await();
    coordinator.onRound(records::add);
    raw = new RawClient(coordinator.url());
  }

  @Test
  void secaggBodyOver4MiB_isTooLarge() throws Exception {
    start(null);
    RawClient.Reply reply = raw.post("/v1/secagg", new byte[ProtocolRoutes.MAX_SECAGG_BODY + 1]);
    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.error().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
    assertThat(reply.error().getMessage()).contains(ProtocolRoutes.MAX_SECAGG_BODY + " for /v1/secagg");
  }

  @Test
  void uploadWhoseHeaderFrameIsOver64KiB_isTooLarge_beforeItIsRead_andTheRoundGoesOn() throws Exception {
    start(null);
    RegisterResponse alice = raw.register("alice");
    RegisterResponse bob = raw.register("bob");
    FitTask task = raw.poll(alice, 5000).getFit();
    byte[] prefix = {0, 1, 0, 1}; // a header frame of 65,537 bytes: one over the limit
    RawClient.Reply reply = raw.post("/v1/updates", RawClient.concat(prefix, new byte[64]));
    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.error().getCode()).isEqualTo(ErrorCode.TOO_LARGE);
    assertThat(reply.error().getMessage()).contains("frame of 65537 bytes exceeds the limit of 65536 bytes");

    assertThat(raw.post("/v1/updates", update(alice, task, 0.1f)).status()).isEqualTo(200);
    assertThat(raw.post("/v1/updates", update(bob, task, 0.1f)).status()).isEqualTo(200);
    awaitRecord();
    assertThat(records.get(0).accepted()).isEqualTo(2);
  }

  @Test
  void centralDp_updateOverTheClipNorm_isRefused_clippedOnesAreAggregated() throws Exception {
    start(new DpConfig(0.5, new DpConfig.FixedClip(1.0), 1e-5, OptionalDouble.empty(), DpConfig.Mode.CENTRAL));
    RegisterResponse alice = raw.register("alice");
    RegisterResponse bob = raw.register("bob");
    FitTask task = raw.poll(alice, 5000).getFit();
    assertThat(task.getDifferentialPrivacy().getClipNorm()).isEqualTo(1.0);

    RawClient.Reply unclipped = raw.post("/v1/updates", update(alice, task, 1f)); // norm sqrt(15) = 3.87
    assertThat(unclipped.status()).isEqualTo(400);
    assertThat(unclipped.error().getCode()).isEqualTo(ErrorCode.MALFORMED);
    assertThat(unclipped.error().getMessage()).contains("L2 norm 3.87298").contains("clips at 1.00000");

    assertThat(raw.post("/v1/updates", update(alice, task, 0.25f)).status()).isEqualTo(200); // norm 0.968
    assertThat(raw.post("/v1/updates", update(bob, task, 0.25f)).status()).isEqualTo(200);
    awaitRecord();
    assertThat(records.get(0).accepted()).isEqualTo(2);
  }

  private static byte[] update(RegisterResponse who, FitTask task, float value) {
    UpdateHeader header = UpdateHeader.newBuilder().setClientId(who.getClientId())
        .setClientToken(who.getClientToken()).setRunId(task.getRunId()).setRound(task.getRound())
        .setModelVersion(task.getModelVersion()).setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build();
    float[] delta = new float[MODEL.parameterCount()];
    Arrays.fill(delta, value);
    List<com.google.protobuf.MessageLite> frames = new ArrayList<>();
    frames.add(header);
    frames.addAll(TensorChunks.split(MODEL.tensors(), delta, 1 << 20));
    return RawClient.frames(frames);
  }

  private void awaitRecord() throws InterruptedException {
    for (int i = 0; i < 100 && records.isEmpty(); i++) {
      Thread.sleep(50);
    }
    assertThat(records).hasSize(1);
  }
}
