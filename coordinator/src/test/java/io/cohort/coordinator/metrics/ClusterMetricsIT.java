package io.cohort.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.cluster.ClusterSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two coordinator nodes in one cluster: each serves its own metrics, the standby node without a redirect. */
class ClusterMetricsIT {
  private static PrometheusText scrape(Coordinator node) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.url() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return PrometheusText.parse(r.body());
  }

  @Test
  void metrics_twoNodeCluster_membersOnBothAndOnlyTheDriverDriving() throws Exception {
    Vertx vertx = Vertx.vertx();
    ClusterSettings cluster = ClusterSettings.standalone()
        .withClusterName("metrics-" + Long.toHexString(System.nanoTime()));
    CoordinatorConfig.Builder config = CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .insecure().rounds(1).minClients(2);
    try {
      Coordinator first = Coordinator.start(vertx, config.cluster(cluster).build()).await();
      Coordinator second = Coordinator.start(vertx, config.cluster(cluster.withMembers(
          List.of(first.clusterStatus().orElseThrow().members().get(0).address()))).build()).await();
      assertThat(first.driving()).isTrue();
      assertThat(second.driving()).isFalse();
      PrometheusText driver = scrape(first);
      PrometheusText standby = scrape(second);
      assertThat(driver.value("cohort_cluster_members")).hasValue(2);
      assertThat(standby.value("cohort_cluster_members")).hasValue(2);
      assertThat(driver.value("cohort_cluster_driving")).hasValue(1);
      assertThat(standby.value("cohort_cluster_driving")).hasValue(0);
      assertThat(standby.value("cohort_clients_registered")).hasValue(0);
      second.close().await();
      first.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
