package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A round with too few results fails cleanly, is recorded, and the next round starts from the same model. */
class FailedRoundIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(2), 2);
  private Vertx vertx;
  private Coordinator coordinator;

  @AfterEach
  void stop() {
    if (coordinator != null) {
      coordinator.close().await();
    }
    vertx.close().await();
  }

  @Test
  void round_tooFewClientsBeforeDeadline_failsAndNextRoundStarts() throws Exception {
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(2).minClients(2)
        .roundTimeout(Duration.ofMillis(1500)).pollWait(Duration.ofSeconds(2)).build()).await();
    RawClient raw = new RawClient(coordinator.url());
    RegisterResponse a = raw.register("a");
    RegisterResponse b = raw.register("b");
    FitTask fit = raw.poll(a, 2000).getFit();
    assertThat(fit.getRound()).isEqualTo(1);
    UpdateHeader header = UpdateHeader.newBuilder().setClientId(a.getClientId()).setClientToken(a.getClientToken())
        .setRunId(fit.getRunId()).setRound(1).setModelVersion(0).setNumExamples(5).build();
    List<com.google.protobuf.MessageLite> frames = new ArrayList<>();
    frames.add(header);
    frames.addAll(TensorChunks.split(MODEL.tensors(), new float[MODEL.parameterCount()], 1024));
    assertThat(raw.post("/v1/updates", RawClient.frames(frames)).status()).isEqualTo(200);

    // b never answers: after the deadline round 1 fails, and round 2 hands out version 0 again.
    Task next = Task.getDefaultInstance();
    for (int i = 0; i < 50 && !(next.hasFit() && next.getFit().getRound() == 2); i++) {
      next = raw.poll(b, 1000); // returns round 1's task at once while b still holds it
      Thread.sleep(100);
    }
    assertThat(next.getFit().getRound()).isEqualTo(2);
    assertThat(next.getFit().getModelVersion()).isEqualTo(0);

    // Round 2 fails too (nobody answers); the run ends with both rounds recorded as failed.
    List<RoundRecord> rounds = coordinator.completion().await();
    assertThat(rounds).hasSize(2);
    RoundRecord first = rounds.get(0);
    assertThat(first.completed()).isFalse();
    assertThat(first.accepted()).isEqualTo(1);
    assertThat(first.failureReason()).contains("1 of 2 sampled clients reported, 2 needed");
    assertThat(first.failures()).extracting(f -> f.clientId()).containsExactly(b.getClientId());
    assertThat(first.failures().get(0).reason()).isEqualTo("deadline passed");
    assertThat(rounds.get(1).completed()).isFalse();
    assertThat(raw.poll(a, 0).hasFinished()).isTrue();
  }
}
