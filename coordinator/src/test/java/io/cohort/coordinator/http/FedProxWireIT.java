package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.strategy.Strategies;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.RegisterResponse;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FedProx's mu reaches the client in every round's training config; FedAvg sends none. */
class FedProxWireIT {
  private static FitTask firstFitTask(String strategy) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(ModelArchitecture.logreg(
          List.of(2), 2)).insecure().secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(1)
          .strategy(Strategies.parse(strategy, 1, 1)).pollWait(Duration.ofSeconds(1)).build()).await();
      RawClient raw = new RawClient(coordinator.url());
      RegisterResponse who = raw.register("a");
      FitTask fit = raw.poll(who, 2000).getFit();
      coordinator.close().await();
      return fit;
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void fedProx_sendsItsMuInTheTrainingConfig_fedAvgSendsZero() throws Exception {
    assertThat(firstFitTask("fedprox:0.25").getConfig().getProximalMu()).isEqualTo(0.25f);
    assertThat(firstFitTask("fedavg").getConfig().getProximalMu()).isZero();
  }
}
