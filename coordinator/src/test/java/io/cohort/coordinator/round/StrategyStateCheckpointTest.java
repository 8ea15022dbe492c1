package io.cohort.coordinator.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.checkpoint.Checkpoint;
import io.cohort.coordinator.registry.InMemoryClientRegistry;
import io.cohort.coordinator.strategy.ClientUpdate;
import io.cohort.coordinator.strategy.FitAggregation;
import io.cohort.coordinator.strategy.ServerOptimizer;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A server optimiser's moments travel in the checkpoint and come back into the strategy of a resumed driver. */
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
}
