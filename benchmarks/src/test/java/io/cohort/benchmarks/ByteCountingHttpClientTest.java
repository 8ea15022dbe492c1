package io.cohort.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.cohort.benchmarks.ByteCountingHttpClient.Endpoint;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Counts against a loopback server that answers every request with a body of 3 bytes per byte received. */
class ByteCountingHttpClientTest {
  private HttpServer server;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] in;
      try (InputStream body = exchange.getRequestBody()) {
        in = body.readAllBytes();
      }
      byte[] out = new byte[Math.max(1, 3 * in.length)];
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void send_postsToEachEndpoint_countsBodyBytesAndRequestsPerEndpoint() throws Exception {
    ByteCountingHttpClient http = new ByteCountingHttpClient(HttpClient.newHttpClient());

    byte[] update = new byte[100_000];
    http.send(HttpRequest.newBuilder(base.resolve("/v1/updates"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(update))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    http.send(HttpRequest.newBuilder(base.resolve("/v1/secagg"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[70])).build(), HttpResponse.BodyHandlers.ofString());
    http.send(HttpRequest.newBuilder(base.resolve("/v1/secagg"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[30])).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<byte[]> get = http.send(HttpRequest.newBuilder(base.resolve("/v1/runs/r/models/1")).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(http.sent(Endpoint.UPDATES)).isEqualTo(100_000);
    assertThat(http.received(Endpoint.UPDATES)).isEqualTo(300_000);
    assertThat(http.requests(Endpoint.UPDATES)).isEqualTo(1);
    assertThat(http.sent(Endpoint.SECAGG)).isEqualTo(100);
    assertThat(http.received(Endpoint.SECAGG)).isEqualTo(300);
    assertThat(http.requests(Endpoint.SECAGG)).isEqualTo(2);
    assertThat(http.sent(Endpoint.OTHER)).isZero();
    assertThat(http.received(Endpoint.OTHER)).isEqualTo(get.body().length).isEqualTo(1);
  }

  @Test
  void sendAsync_countsLikeSend() throws Exception {
    ByteCountingHttpClient http = new ByteCountingHttpClient(HttpClient.newHttpClient());
    http.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/tasks"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[12])).build(), HttpResponse.BodyHandlers.ofByteArray())
        .get();

    assertThat(http.sent(Endpoint.OTHER)).isEqualTo(12);
    assertThat(http.received(Endpoint.OTHER)).isEqualTo(36);
  }
}
