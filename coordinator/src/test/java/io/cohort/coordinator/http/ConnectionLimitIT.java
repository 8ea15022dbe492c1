package io.cohort.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.protocol.Frames;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.ErrorCode;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection limit against a real coordinator allowing two connections: a third is answered 503 with a retryable
 * UNAVAILABLE that names the limit, and closed; the first two keep working, and once one closes a new connection is
 * served.
 */
class ConnectionLimitIT {
  private Vertx vertx;
  private Coordinator coordinator;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(ModelArchitecture.logreg(List.of(4), 3))
        .insecure().secureAggregation(SecureAggregationSettings.off()).rounds(1).minClients(2)
        .roundTimeout(Duration.ofSeconds(60)).maxConnections(2).build()).await();
  }

  @AfterEach
  void stop() {
    coordinator.close().await();
    vertx.close().await();
  }

  @Test
  void connectionBeyondTheLimit_getsRetryableUnavailable_andARoomFreesWhenOneCloses() throws Exception {
    try (Socket first = open(); Socket second = open()) {
      assertThat(status(first).status()).isEqualTo(200);
      assertThat(status(second).status()).isEqualTo(200);
      try (Socket third = open()) {
        Reply refused = status(third);
        assertThat(refused.status()).isEqualTo(503);
        Error error = Frames.readSingle(new ByteArrayInputStream(refused.body()), Error.parser(), "Error");
        assertThat(error.getCode()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(error.getRetryable()).isTrue();
        assertThat(error.getMessage()).contains("2 connections open, its limit");
        assertThat(third.getInputStream().read()).as("the refused connection is closed").isEqualTo(-1);
      }
      assertThat(status(first).status()).as("connections within the limit keep working").isEqualTo(200);
      assertThat(metrics(first)).as("the refusal is counted").containsPattern(
          "(?m)^cohort_requests_refused_total\\{reason=\"UNAVAILABLE\"[^}]*} 1\\.0$");
    } // both close: room again
    Reply served = null;
    for (int attempt = 0; attempt < 50; attempt++) { // the server hears of the closes a moment later
      try (Socket again = open()) {
        served = status(again);
      }
      if (served.status() == 200) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(served.status()).isEqualTo(200);
  }

  /** GET /metrics on {@code socket} (keep-alive). */
  private static String metrics(Socket socket) throws IOException {
    return new String(request(socket, "/metrics").body(), StandardCharsets.UTF_8);
  }

  private Socket open() throws IOException {
    Socket socket = new Socket("127.0.0.1", coordinator.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  private record Reply(int status, byte[] body) {}

  /** GET /v1/status on {@code socket} (keep-alive), read with its Content-Length body. */
  private static Reply status(Socket socket) throws IOException {
    return request(socket, "/v1/status");
  }

  private static Reply request(Socket socket, String path) throws IOException {
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    InputStream in = socket.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n") && head.length() < 8192) {
      int c = in.read();
      if (c == -1) {
        throw new IOException("connection closed inside the response head: " + head);
      }
      head.append((char) c);
    }
    String[] lines = head.toString().split("\r\n");
    int length = 0;
    for (String line : lines) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return new Reply(Integer.parseInt(lines[0].split(" ")[1]), in.readNBytes(length));
  }
}
