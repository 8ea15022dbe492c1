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
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.LeaveRequest;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests that arrive while a fold or an aggregation is still running on a worker. */
class RoundRaceIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(2), 2);

  /** FedAvg whose fold or finish waits for the test to let it go. */
  static final class GatedFedAvg implements Strategy {
    final FedAvg delegate = new FedAvg(1.0, 1);
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final boolean gateFold;

    GatedFedAvg(boolean gateFold) {
      this.gateFold = gateFold;
    }

    @Override
    public String name() {
      return "gated-fedavg";
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
          if (gateFold && round == 1) {
            hold();
          }
          inner.fold(update);
        }

        @Override
        public float[] finish(float[] global, List<ClientFailure> failures) {
          if (!gateFold && round == 1) {
            hold();
          }
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

    private void hold() {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Vertx vertx;
  private Coordinator coordinator;
  private RawClient raw;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    coordinator.close().await();
    vertx.close().await();
  }

  private void start(GatedFedAvg strategy) {
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
        .secureAggregation(SecureAggregationSettings.off()).rounds(2).minClients(1)
        .strategy(strategy).roundTimeout(Duration.ofSeconds(30)).pollWait(Duration.ofSeconds(1)).build()).await();
    raw = new RawClient(coordinator.url());
  }

  private byte[] update(RegisterResponse who, FitTask fit) {
    UpdateHeader header = UpdateHeader.newBuilder().setClientId(who.getClientId())
        .setClientToken(who.getClientToken()).setRunId(fit.getRunId()).setRound(fit.getRound())
        .setModelVersion(fit.getModelVersion()).setNumExamples(4).build();
    List<MessageLite> frames = new ArrayList<>();
    frames.add(header);
    frames.addAll(TensorChunks.split(MODEL.tensors(), new float[] {1, 1, 1, 1, 1, 1}, 16));
    return RawClient.frames(frames);
  }

  @Test
  void register_whileTheLastRoundAggregates_doesNotStartARoundOnTheOldModel() throws Exception {
    GatedFedAvg strategy = new GatedFedAvg(false);
    start(strategy);
    RegisterResponse a = raw.register("a");
    FitTask fit = raw.poll(a, 2000).getFit();
    assertThat(raw.post("/v1/updates", update(a, fit)).status()).isEqualTo(200);
    assertThat(strategy.entered.await(10, TimeUnit.SECONDS)).isTrue(); // round 1 is aggregating now

    RegisterResponse b = raw.register("b");
    assertThat(raw.poll(b, 300).hasWait()).isTrue(); // no round 2 yet: it must train on version 1

    strategy.release.countDown();
    Task next = raw.poll(b, 5000);
    for (int i = 0; i < 10 && next.hasWait(); i++) {
      next = raw.poll(b, 1000);
    }
    assertThat(next.getFit().getRound()).isEqualTo(2);
    assertThat(next.getFit().getModelVersion()).isEqualTo(1);
  }

  @Test
  void leave_whileItsUpdateIsFolding_countsTheUpdateAndNotAFailure() throws Exception {
    GatedFedAvg strategy = new GatedFedAvg(true);
    start(strategy);
    RegisterResponse a = raw.register("a");
    FitTask fit = raw.poll(a, 2000).getFit();
    CompletableFuture<RawClient.Reply> upload = CompletableFuture.supplyAsync(() -> {
      try {
        return raw.post("/v1/updates", update(a, fit));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(strategy.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the fold is running
    RawClient.Reply left = raw.post("/v1/leave", Frames.encode(LeaveRequest.newBuilder()
        .setClientId(a.getClientId()).setClientToken(a.getClientToken()).build()));
    assertThat(left.status()).isEqualTo(200);
    strategy.release.countDown();
    assertThat(upload.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

    RegisterResponse b = raw.register("b"); // round 2 needs someone
    for (int i = 0; i < 20; i++) {
      Task t = raw.poll(b, 1000);
      if (t.hasFit()) {
        assertThat(raw.post("/v1/updates", update(b, t.getFit())).status()).isEqualTo(200);
        break;
      }
    }
    RoundRecord first = coordinator.completion().await().get(0);
    assertThat(first.completed()).isTrue();
    assertThat(first.accepted()).isEqualTo(1);
    assertThat(first.failures()).isEmpty();
  }
}
