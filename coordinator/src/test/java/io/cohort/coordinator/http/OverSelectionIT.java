package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.MessageLite;
import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.coordinator.strategy.ClientFailure;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FedAvg;
import io.cohort.coordinator.strategy.FitAggregation;
import io.cohort.coordinator.strategy.Strategy;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.UpdateHeader;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Over-selection on a real coordinator: with 3 live clients, fraction 0.5 makes the cohort K = ceil(1.5) = 2, and
 * {@code overSelection(0.5)} invites ceil(2 x 1.5) = 3. The round closes at the first 2 updates; the third is refused
 * with ROUND_NOT_OPEN and a message that says why, and its sender takes part in the next round as usual.
 */
class OverSelectionIT {
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

  private static byte[] update(RegisterResponse who, FitTask fit, float value) {
    UpdateHeader header = UpdateHeader.newBuilder().setClientId(who.getClientId())
        .setClientToken(who.getClientToken()).setRunId(fit.getRunId()).setRound(fit.getRound())
        .setModelVersion(fit.getModelVersion()).setNumExamples(1).build();
    List<MessageLite> frames = new ArrayList<>();
    frames.add(header);
    float[] delta = new float[MODEL.parameterCount()];
    java.util.Arrays.fill(delta, value);
    frames.addAll(TensorChunks.split(MODEL.tensors(), delta, 1024));
    return RawClient.frames(frames);
  }

  /** Polls until the client's task is a fit task of {@code round} (bounded: 50 polls). */
  private static FitTask fitOf(RawClient raw, RegisterResponse who, int round) throws Exception {
    for (int i = 0; i < 50; i++) {
      Task t = raw.poll(who, 1000);
      if (t.hasFit() && t.getFit().getRound() == round) {
        return t.getFit();
      }
    }
    throw new AssertionError("no fit task of round " + round + " for " + who.getClientId());
  }

  /** FedAvg (fraction 0.5) whose first fold waits for the test to let it go. */
  static final class FirstFoldGated implements Strategy {
    final FedAvg delegate = new FedAvg(0.5, 1);
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String name() {
      return "first-fold-gated";
    }

    @Override
    public List<String> configureFit(int round, List<String> available, Random random) {
      return delegate.configureFit(round, available, random);
    }

    @Override
    public FitAggregation beginFit(int round, int parameterCount) {
      FitAggregation inner = delegate.beginFit(round, parameterCount);
      return new FitAggregation() {
        @Override
        public void fold(ClientUpdate update) {
          if (entered.getCount() > 0) {
            entered.countDown();
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          inner.fold(update);
        }

        @Override
        public float[] finish(float[] global, List<ClientFailure> failures) {
          return inner.finish(global, failures);
        }

        @Override
        public int count() {
          return inner.count();
        }

        @Override
        public long totalExamples() {
          return inner.totalExamples();
        }

        @Override
        public double meanTrainLoss() {
          return inner.meanTrainLoss();
        }
      };
    }
  }

  @Test
  void overSelection_twoUploadsWhileTheFirstFolds_onlyOneMoreIsAggregated() throws Exception {
    vertx = Vertx.vertx();
    FirstFoldGated strategy = new FirstFoldGated();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(1).fraction(0.5).minClients(1).minAvailable(3)
        .strategy(strategy).overSelection(0.5).roundTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofSeconds(1))
        .build()).await();
    RawClient raw = new RawClient(coordinator.url());
    RegisterResponse a = raw.register("a");
    RegisterResponse b = raw.register("b");
    RegisterResponse c = raw.register("c");
    FitTask a1 = fitOf(raw, a, 1);
    FitTask b1 = fitOf(raw, b, 1);
    FitTask c1 = fitOf(raw, c, 1);
    CompletableFuture<RawClient.Reply> first = post(raw, update(a, a1, 1));
    assertThat(strategy.entered.await(10, TimeUnit.SECONDS)).isTrue(); // a's update is being folded
    CompletableFuture<RawClient.Reply> second = post(raw, update(b, b1, 3));
    CompletableFuture<RawClient.Reply> third = post(raw, update(c, c1, 3));
    Thread.sleep(300); // let both uploads reach the coordinator while a's fold holds (either order passes below)
    strategy.release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    List<Integer> statuses = List.of(second.get(10, TimeUnit.SECONDS).status(),
        third.get(10, TimeUnit.SECONDS).status());
    assertThat(statuses).containsOnlyOnce(200);
    RoundRecord round = coordinator.completion().await().get(0);
    assertThat(round.accepted()).isEqualTo(2);
    assertThat(round.examples()).isEqualTo(2);
    assertThat(round.late()).isEqualTo(1);
  }

  private static CompletableFuture<RawClient.Reply> post(RawClient raw, byte[] body) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return raw.post("/v1/updates", body);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void overSelection_invitesKTimesOnePlusF_aggregatesTheFirstK_andTellsTheLateClientWhy() throws Exception {
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(2).fraction(0.5).minClients(1).minAvailable(3)
        .overSelection(0.5).roundTimeout(Duration.ofSeconds(60)).pollWait(Duration.ofSeconds(1)).build()).await();
    RawClient raw = new RawClient(coordinator.url());
    RegisterResponse a = raw.register("a");
    RegisterResponse b = raw.register("b");
    RegisterResponse c = raw.register("c");

    // Round 1: all three are invited; a and b answer first, c comes late.
    FitTask a1 = fitOf(raw, a, 1);
    FitTask b1 = fitOf(raw, b, 1);
    FitTask c1 = fitOf(raw, c, 1);
    assertThat(raw.post("/v1/updates", update(a, a1, 1)).status()).isEqualTo(200);
    assertThat(raw.post("/v1/updates", update(b, b1, 3)).status()).isEqualTo(200);
    RawClient.Reply late = raw.post("/v1/updates", update(c, c1, 100));
    assertThat(late.status()).isNotEqualTo(200);
    assertThat(late.error().getCode()).isEqualTo(ErrorCode.ROUND_NOT_OPEN);
    assertThat(late.error().getMessage()).contains("round 1 is not open: it closed before this update came")
        .contains("the 2 updates it aggregates (over-selection: 3 invited)").contains("wait for the next task");

    // Round 2: c is invited again and its update counts; this time b is the late one.
    FitTask c2 = fitOf(raw, c, 2);
    FitTask a2 = fitOf(raw, a, 2);
    FitTask b2 = fitOf(raw, b, 2);
    assertThat(c2.getModelVersion()).isEqualTo(1);
    assertThat(raw.post("/v1/updates", update(c, c2, 5)).status()).isEqualTo(200);
    assertThat(raw.post("/v1/updates", update(a, a2, 7)).status()).isEqualTo(200);
    assertThat(raw.post("/v1/updates", update(b, b2, 100)).error().getCode()).isEqualTo(ErrorCode.ROUND_NOT_OPEN);

    List<RoundRecord> rounds = coordinator.completion().await();
    assertThat(rounds).hasSize(2).allSatisfy(r -> {
      assertThat(r.completed()).isTrue();
      assertThat(r.invited()).isEqualTo(3);
      assertThat(r.accepted()).isEqualTo(2);
      assertThat(r.late()).isEqualTo(1);
    });
    assertThat(rounds.get(0).failures()).extracting(ClientFailure::clientId).containsExactly(c.getClientId());
    assertThat(rounds.get(0).failures().get(0).reason()).contains("over-selection");
    assertThat(rounds.get(1).failures()).extracting(ClientFailure::clientId).containsExactly(b.getClientId());
    // FedAvg of the first two only (one example each): round 1 moves every parameter by (1 + 3) / 2 = 2, round 2 by
    // (5 + 7) / 2 = 6; the late updates (100) are nowhere in the model.
    float[] initial = MODEL.initialParameters(1);
    float[] after = rounds.get(1).parameters();
    for (int i = 0; i < after.length; i++) {
      assertThat(after[i]).isCloseTo(initial[i] + 8, org.assertj.core.api.Assertions.within(1e-5f));
    }
  }
}
