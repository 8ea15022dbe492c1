package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.registry.InMemoryClientRegistry;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FitAggregation;
import io.cohort.coordinator.TrainSettings;
import io.cohort.coordinator.strategy.Scaffold;
import io.cohort.coordinator.strategy.ServerOptimizer;
import io.cohort.protocol.Frames;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.Optimizer;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.TensorChunk;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A strategy's state across rounds (a server optimiser's moments, SCAFFOLD's control variate) travels in the
 * checkpoint and comes back into the strategy of a resumed driver.
 */
class StrategyStateCheckpointTest {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(2), 2); // 6 parameters

  @Test
  void checkpoint_carriesTheStrategyState_andADriverResumingFromItRestoresIt() {
    ServerOptimizer before = new ServerOptimizer(ServerOptimizer.Kind.ADAM, 1, 1, 0.1, 0.9, 0.99, 0.1);
    FitAggregation round = before.beginFit(1, 6);
    round.fold(new ClientUpdate("a", new float[] {1, -1, 0.5f, 0, 2, -2}, 3, 0, 0));
    float[] x1 = before.finishFit(1, new float[6], round, List.of());
    GlobalModel model = new GlobalModel(1, x1, List.of(), 0);
    Checkpoint checkpoint = RunCheckpoints.of("run", 1, model, MODEL, List.of(), Optional.empty(), before.state());
    assertThat(checkpoint.header().getStrategyState().toByteArray()).isEqualTo(before.state()).isNotEmpty();

    ServerOptimizer resumed = new ServerOptimizer(ServerOptimizer.Kind.ADAM, 1, 1, 0.1, 0.9, 0.99, 0.1);
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorConfig config = CoordinatorConfig.builder(MODEL).strategy(resumed).insecure()
          .secureAggregation(SecureAggregationSettings.off()).build();
      new RoundDriver(vertx, config, new InMemoryClientRegistry(), model, "run",
          new RunCheckpoints.Restored("run", checkpoint, List.of()));
      assertThat(resumed.state()).isEqualTo(before.state());
    } finally {
      vertx.close().await();
    }
  }

  /**
   * SCAFFOLD's control variate c travels the same way, and the resumed driver's model download carries it after the
   * parameters (as {@code scaffold/<tensor>} chunks), so the clients of a resumed run correct with the same c.
   */
  @Test
  void scaffold_controlVariateSurvivesTheCheckpoint_andTheResumedDownloadCarriesIt() throws Exception {
    Scaffold before = new Scaffold(1, 1, 1);
    FitAggregation round = before.beginFit(1, 12);
    round.fold(new ClientUpdate("a", new float[] {1, -1, 0.5f, 0, 2, -2, 0.25f, 0.5f, -0.75f, 1, 0, -1}, 3, 0, 0));
    float[] x1 = before.finishFit(1, new float[6], round, List.of());
    float[] c1 = before.controlVariate(6);
    assertThat(c1).containsExactly(0.25f, 0.5f, -0.75f, 1, 0, -1);
    GlobalModel model = new GlobalModel(1, x1, List.of(), 0);
    Checkpoint checkpoint = RunCheckpoints.of("run", 1, model, MODEL, List.of(), Optional.empty(), before.state());

    Scaffold resumed = new Scaffold(1, 1, 1);
    Vertx vertx = Vertx.vertx();
    try {
      CoordinatorConfig config = CoordinatorConfig.builder(MODEL).strategy(resumed).insecure()
          .secureAggregation(SecureAggregationSettings.off())
          .train(new TrainSettings(1, 8, 0.05, Optimizer.SGD, 0, 0)).build();
      RoundDriver driver = new RoundDriver(vertx, config, new InMemoryClientRegistry(), model, "run",
          new RunCheckpoints.Restored("run", checkpoint, List.of()));
      assertThat(resumed.controlVariate(6)).containsExactly(c1);
      RegisterResponse who = driver.register(RegisterRequest.newBuilder().setClientName("a").setProtocolVersion(1)
          .build());
      GlobalModel served = driver.model(who.getClientId(), who.getClientToken(), "run", 1);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      served.frames().forEach(frame -> body.writeBytes(frame.getBytes()));
      InputStream in = new ByteArrayInputStream(body.toByteArray());
      ModelHeader header = Frames.readRequired(in, ModelHeader.parser(), "ModelHeader");
      assertThat(header.getTotalElements()).isEqualTo(6);
      assertThat(header.getControlElements()).isEqualTo(6);
      float[] both = new float[12];
      TensorChunks.Assembler assembler = new TensorChunks.Assembler(
          TensorChunks.withControlVariate(MODEL.tensors()), both);
      TensorChunk chunk;
      while ((chunk = Frames.read(in, TensorChunk.parser())) != null) {
        assembler.accept(chunk);
      }
      assembler.finish();
      assertThat(Arrays.copyOf(both, 6)).containsExactly(x1);
      assertThat(Arrays.copyOfRange(both, 6, 12)).containsExactly(c1);
    } finally {
      vertx.close().await();
    }
  }
}
