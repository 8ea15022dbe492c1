package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.TlsSettings;
import io.cohort.coordinator.cluster.ClusterSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cohort status} against a real coordinator over TLS, pinning its CA. */
class StatusCommandIT {
  @TempDir Path dir;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void status_overTls_showsTheRunItsRoundsAndRefusals() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(
          ModelArchitecture.logreg(List.of(4), 3)).rounds(3).minClients(2).build()).await();
      Path ca = dir.resolve("ca.pem");
      Files.writeString(ca, coordinator.caCertificatePem());
      CliRun r = run("status", "--coordinator", coordinator.url(), "--ca", ca.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("run " + coordinator.runId() + ": 0 of 3 rounds done, fedavg on logreg")
          .contains("model version 0, 0 clients registered").contains("security: ").contains("refused requests: ");
      CliRun json = run("status", "--coordinator", coordinator.url(), "--ca", ca.toString(), "--json");
      assertThat(json.code()).isZero();
      assertThat(json.out()).contains("\"run\" : \"" + coordinator.runId() + "\"");
      CliRun noCa = run("status", "--coordinator", coordinator.url());
      assertThat(noCa.code()).isEqualTo(2);
      assertThat(noCa.err()).contains("--ca FILE is required");
      coordinator.close().await();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void status_ofANodeThatStandsBy_showsTheMembersTheDriverAndTheDriversRound() throws Exception {
    Vertx vertx = Vertx.vertx();
    ClusterSettings cluster = ClusterSettings.standalone()
        .withClusterName("status-" + Long.toHexString(System.nanoTime()));
    CoordinatorConfig.Builder config = CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .rounds(3).minClients(2).tls(TlsSettings.stateDirectory(dir.resolve("tls")));
    try {
      Coordinator first = Coordinator.start(vertx, config.cluster(cluster).build()).await();
      Coordinator second = Coordinator.start(vertx, config.cluster(cluster.withMembers(
          List.of(first.clusterStatus().orElseThrow().members().get(0).address()))).build()).await();
      assertThat(first.driving()).isTrue();
      assertThat(second.driving()).isFalse();
      assertThat(second.runId()).isEqualTo(first.runId());
      Path ca = dir.resolve("ca.pem");
      Files.writeString(ca, first.caCertificatePem());

      CliRun r = run("status", "--coordinator", second.url(), "--ca", ca.toString());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("run " + first.runId() + ": 0 of 3 rounds done")
          .containsPattern("cluster 'status-[0-9a-f]+': 2 members, driver [0-9a-f-]+ at " + first.url() + ", term 1")
          .contains(first.url() + " (drives)").contains(second.url() + " (answered this request)")
          .contains("(asked " + second.url() + ", which stands by; the run's progress is from the driving node "
              + first.url() + ")");
      second.close().await();
      first.close().await();
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void status_nobodyListening_exitsOneSayingSo() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    CliRun r = run("status", "--coordinator", "http://127.0.0.1:" + port);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach the coordinator at http://127.0.0.1:" + port);
  }
}
