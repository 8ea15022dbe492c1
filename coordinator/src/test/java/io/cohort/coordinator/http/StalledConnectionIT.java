package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.TlsSettings;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Connections that open and then say nothing, against real coordinators: one that never starts its TLS handshake is
 * closed at the 10 s handshake timeout, and a cleartext one that never sends a request at the idle timeout (2 x the
 * poll wait + 30 s: 32 s with a 1 s poll wait), so a crowd of silent sockets cannot pin the coordinator's resources.
 */
class StalledConnectionIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(4), 3);

  @Test
  void silentConnections_areClosed_atTheTlsHandshakeTimeout_andAtTheIdleTimeout() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Coordinator tls = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).tls(TlsSettings.inMemory())
          .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2).build()).await();
      Coordinator plain = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).insecure()
          .secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2)
          .pollWait(Duration.ofSeconds(1)).build()).await();
      CompletableFuture<Double> handshake = CompletableFuture.supplyAsync(() -> secondsUntilClosed(tls.port()));
      CompletableFuture<Double> idle = CompletableFuture.supplyAsync(() -> secondsUntilClosed(plain.port()));

      assertThat(handshake.get(60, TimeUnit.SECONDS)).as("seconds until the silent TLS connection is closed")
          .isBetween(9.0, 20.0);
      assertThat(idle.get(90, TimeUnit.SECONDS)).as("seconds until the silent cleartext connection is closed")
          .isBetween(31.0, 45.0);
      tls.close().await();
      plain.close().await();
    } finally {
      vertx.close().await();
    }
  }

  /** Opens a connection, sends nothing, and returns the seconds until the coordinator closes it (at most 60). */
  private static double secondsUntilClosed(int port) {
    long start = System.nanoTime();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      int read = socket.getInputStream().read();
      assertThat(read).as("the coordinator sends nothing to a silent client, it closes").isEqualTo(-1);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the silent connection was still open after 60 s", e);
    } catch (IOException e) {
      // a reset is a close too
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
