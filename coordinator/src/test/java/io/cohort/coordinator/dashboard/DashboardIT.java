package io.cohort.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.protocol.Frames;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.RegisterRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dashboard of a real coordinator (insecure, on loopback): the page is served, and its event stream, behind the
 * coordinator's API token, carries the driver's status, then the status again once a client registers.
 */
class DashboardIT {
  private static final String TOKEN = "dashboard-it-token";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void events_whenAClientRegisters_carryTheNewCounts() throws Exception {
    Vertx vertx = Vertx.vertx();
    HttpClient http = EventStreamReader.client();
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(ModelArchitecture.logreg(
          List.of(4), 2)).insecure().secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2)
          .apiToken(TOKEN).build()).await();
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(coordinator.url() + "/dashboard"))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Cohort dashboard</title>");

      try (EventStreamReader reader = EventStreamReader.open(http, URI.create(coordinator.url()
          + "/dashboard/events?access_token=" + TOKEN), null)) {
        assertThat(reader.status()).isEqualTo(200);
        JsonObject first = reader.nextStatus(WAIT);
        assertThat(first).isNotNull();
        assertThat(first.getString("run")).isEqualTo(coordinator.runId());
        assertThat(first.getBoolean("driving")).isTrue();
        assertThat(first.getInteger("registered")).isZero();
        assertThat(first.getInteger("online")).isZero();
        assertThat(first.getInteger("roundsPlanned")).isEqualTo(1);
        assertThat(first.containsKey("privacy")).as("no differential privacy configured").isFalse();

        HttpResponse<byte[]> registered = http.send(HttpRequest.newBuilder(URI.create(coordinator.url()
            + "/v1/register")).header("content-type", Frames.CONTENT_TYPE)
            .POST(HttpRequest.BodyPublishers.ofByteArray(Frames.encode(RegisterRequest.newBuilder()
                .setClientName("alice").setProtocolVersion(1).build()))).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(registered.statusCode()).isEqualTo(200);
        JsonObject next = reader.nextStatus(WAIT);
        assertThat(next).isNotNull();
        assertThat(next.getInteger("registered")).isEqualTo(1);
        assertThat(next.getInteger("online")).isEqualTo(1);
      }
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
