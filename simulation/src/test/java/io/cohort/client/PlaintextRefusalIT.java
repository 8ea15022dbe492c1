package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client built with the SDK's default, which requires secure aggregation, facing a coordinator that asks for a
 * plaintext update: it refuses, sends nothing, and its run ends with PLAINTEXT_REFUSED saying how to proceed.
 */
class PlaintextRefusalIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2);

  @Test
  void defaultClient_askedForAPlaintextUpdate_refusesWithPlaintextRefused_andSendsNothing() {
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
          .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(1).seed(1)
          .pollWait(Duration.ofSeconds(1)).roundTimeout(Duration.ofSeconds(30)).build()).await();
      LocalDataset data = LocalDataset.of(new float[10 * 8], new int[10], List.of(8), 2);
      SecureAggregationIT.KnownUpdateTrainer trainer = new SecureAggregationIT.KnownUpdateTrainer(0);
      CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url())).name("careful")
          .data(DatasetSource.of(data, data)).trainer(trainer).insecure().pollWait(Duration.ofSeconds(1)).build();

      assertThatThrownBy(client::run).isInstanceOfSatisfying(CohortException.class, e -> {
        assertThat(e.code()).isEqualTo("PLAINTEXT_REFUSED");
        assertThat(e.getMessage()).contains("requires secure aggregation").contains("requireSecureAggregation(false)");
      });
      assertThat(trainer.lastInitial).as("it never even trained").isNull();
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
